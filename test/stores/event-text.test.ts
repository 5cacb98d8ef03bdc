/**
 * An event handed to a store with the JSON text of its data (made when the event was,
 * to measure it) is stored as that text: the store does not serialise it again.
 */
import { describe, expect, it } from "vitest";
import { memoryStore, type ServerStore, sqliteStore } from "../../src/server/index.js";
import { RunEventLog } from "../../src/server/runs/run-events.js";
import { type EncodedEvent, EVENT_TEXT } from "../../src/server/stores/codec.js";
import { storedRun } from "../helpers/store-suite.js";

const quiet = { warn: () => undefined };
const stores: Array<[string, () => ServerStore]> = [
  ["memory", () => memoryStore({ logger: quiet })],
  ["sqlite", () => sqliteStore(":memory:", { logger: quiet })],
];

describe.each(stores)("events with their JSON text (%s)", (_name, open) => {
  it("stores the text the event carries", async () => {
    const store = open();
    try {
      const run = storedRun();
      await store.runs.insert(run);
      const data = { type: "values", run_id: run.run_id, status: "pending", values: {} } as const;
      // A text that differs from what serialising `data` would give: only the carried
      // text can make the stored event read back with `carried`.
      const carried = JSON.stringify({ ...data, values: { carried: true } });
      const event: EncodedEvent = { id: 1, data, [EVENT_TEXT]: carried };
      await store.runs.appendEvents(run.run_id, [event]);
      const [read] = await store.runs.readEvents(run.run_id, 0, 10);
      expect(read?.data).toEqual(JSON.parse(carried));
    } finally {
      await store.close();
    }
  });
});

describe("RunEventLog", () => {
  it("hands the store each event with the text its size was measured on", () => {
    const log = new RunEventLog(0, async () => [], 1024);
    const data = { type: "values", run_id: "r", status: "pending", values: { n: 1 } } as const;
    log.append(data);
    const [event] = log.unsaved() as EncodedEvent[];
    expect(event?.[EVENT_TEXT]).toBe(JSON.stringify(data));
  });
});
