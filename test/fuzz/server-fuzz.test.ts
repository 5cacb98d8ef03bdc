import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OperationName, operations } from "../../src/operations.js";
import { startACPServer, type TestACPServer } from "../helpers/server.js";

let running: TestACPServer;

beforeAll(async () => {
  running = await startACPServer({ keepAliveMs: 1000 });
});

afterAll(async () => {
  running?.gate.release();
  await running?.close();
});

const names = Object.keys(operations) as OperationName[];

/** Ids: UUIDs, junk, path-hostile strings and huge ones. */
const id = fc.oneof(
  fc.uuid(),
  fc.string({ maxLength: 40 }),
  fc.constantFrom("__proto__", "constructor", "..", "%2e%2e", "a/b", " ", "null"),
  fc.string({ minLength: 300, maxLength: 3000 }),
);

/** Bodies: malformed text, any JSON, and near-valid objects with wrong field types. */
const body = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.json(),
  fc.constantFrom("{", "[1,", '{"a":}', "\u0000", "nul", '"just a string"'),
  fc
    .record(
      {
        agent_id: fc.oneof(fc.uuid(), fc.integer(), fc.constant(null)),
        input: fc.anything(),
        config: fc.anything(),
        metadata: fc.anything(),
        stream_mode: fc.oneof(fc.constantFrom("values", "custom", "x"), fc.anything()),
        limit: fc.oneof(fc.integer(), fc.double(), fc.string()),
        offset: fc.anything(),
        thread_id: id,
        if_exists: fc.string(),
        webhook: fc.string(),
        after_seconds: fc.oneof(fc.integer({ min: -5, max: 0 }), fc.string()),
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o)),
);

const printable = fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, "x"));

const request = fc.record({
  name: fc.constantFrom(...names),
  ids: fc.tuple(id, id),
  body: fc.option(body, { nil: undefined }),
  contentType: fc.option(
    fc.oneof(
      fc.constantFrom("application/json", "text/plain", "application/xml", "multipart/form-data"),
      printable,
    ),
    { nil: undefined },
  ),
  query: fc.option(
    fc.record(
      {
        wait: printable,
        action: printable,
        limit: printable,
        offset: printable,
        before: printable,
      },
      {
        requiredKeys: [],
      },
    ),
    { nil: undefined },
  ),
  lastEventId: fc.option(printable, { nil: undefined }),
  apiKey: fc.option(printable, { nil: undefined }),
});

describe("malformed requests", () => {
  it("get a 4xx (or a success), never a 5xx, and every error body is a JSON string", async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const op = operations[r.name];
        let path = op.path;
        op.pathParams.forEach((name, i) => {
          path = path.replace(`{${name}}`, encodeURIComponent(r.ids[i] ?? ""));
        });
        const qs = r.query
          ? `?${new URLSearchParams(r.query as Record<string, string>).toString()}`
          : "";
        const headers: Record<string, string> = {};
        if (r.contentType !== undefined) headers["content-type"] = r.contentType;
        if (r.lastEventId !== undefined) headers["last-event-id"] = r.lastEventId;
        if (r.apiKey !== undefined) headers["x-api-key"] = r.apiKey;
        const response = await fetch(`${running.url}${path}${qs}`, {
          method: op.method,
          headers,
          ...(r.body !== undefined && op.method !== "GET" ? { body: r.body } : {}),
          signal: AbortSignal.timeout(20_000),
        });
        const text = await response.text();
        expect(response.status, `${op.method} ${path}: ${text}`).toBeLessThan(500);
        if (response.status >= 400) {
          expect(typeof JSON.parse(text)).toBe("string");
        }
      }),
      { numRuns: 400, seed: 20261128 },
    );
  });
});
