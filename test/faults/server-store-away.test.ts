/**
 * A store that cannot be reached: every request that needs it is answered 503 with
 * `Retry-After` (the database may be back soon), never 500, and the server answers
 * again once it is back. A store failing in any other way is still the server's 500.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { memoryStore, type ServerStore, StoreUnavailableError } from "../../src/server/index.js";
import { startACPServer, type TestACPServer } from "../helpers/server.js";

/** How the wrapped store fails its reads: not at all, unreachable, or with a bug. */
type Failure = "none" | "away" | "broken";

/**
 * A memory store whose thread and run reads, and the stores of new runs, fail as
 * `failure.mode` says (set after the server has started: recovery reads the store too).
 */
function failingStore(failure: { mode: Failure; retryAfterSeconds?: number }): ServerStore {
  const store = memoryStore();
  const fail = (operation: string) => {
    if (failure.mode === "away") {
      throw new StoreUnavailableError("the database does not answer", operation, {
        ...(failure.retryAfterSeconds !== undefined
          ? { retryAfterSeconds: failure.retryAfterSeconds }
          : {}),
      });
    }
    if (failure.mode === "broken") throw new TypeError(`${operation}: a bug`);
  };
  const guarded =
    <A extends unknown[], R>(operation: string, call: (...args: A) => Promise<R>) =>
    async (...args: A) => {
      fail(operation);
      return call(...args);
    };
  const threads = Object.create(store.threads) as ServerStore["threads"];
  threads.get = guarded("threads.get", (id: string) => store.threads.get(id));
  threads.search = guarded("threads.search", store.threads.search.bind(store.threads));
  const runs = Object.create(store.runs) as ServerStore["runs"];
  runs.get = guarded("runs.get", (id: string) => store.runs.get(id));
  runs.search = guarded("runs.search", store.runs.search.bind(store.runs));
  runs.insert = guarded("runs.insert", store.runs.insert.bind(store.runs));
  return { runs, threads, close: () => store.close() };
}

/** The requests that each read the store, or store a new run. */
const requests: Array<[string, string, unknown?]> = [
  ["GET", `/threads/${randomUUID()}`],
  ["POST", "/threads/search", {}],
  ["POST", "/runs/search", {}],
  ["GET", `/runs/${randomUUID()}`],
  ["POST", `/threads/${randomUUID()}/runs`, { input: { text: "x" } }],
];

async function send(base: string, [method, path, body]: [string, string, unknown?]) {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(body !== undefined
      ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } }
      : {}),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    body: (await response.json()) as unknown,
  };
}

let running: TestACPServer | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe("a store that cannot be reached", () => {
  it.each(requests.map((r) => [`${r[0]} ${r[1].replace(/[0-9a-f-]{36}/, "{id}")}`, r] as const))(
    "answers %s 503 with Retry-After, and answers again once it is back",
    async (_, request) => {
      const failure: { mode: Failure } = { mode: "none" };
      running = await startACPServer({ store: failingStore(failure) });
      failure.mode = "away";
      const away = await send(running.url, request);
      expect(away).toEqual({
        status: 503,
        retryAfter: "5",
        body: expect.stringContaining("the database does not answer"),
      });
      failure.mode = "none";
      const back = await send(running.url, request);
      expect(back.status).not.toBe(503);
      expect(back.status).toBeLessThan(500);
    },
  );

  it("tells the client the wait the store asked for", async () => {
    const failure: { mode: Failure; retryAfterSeconds: number } = {
      mode: "none",
      retryAfterSeconds: 30,
    };
    running = await startACPServer({ store: failingStore(failure) });
    failure.mode = "away";
    const answer = await send(running.url, ["POST", "/threads/search", {}]);
    expect([answer.status, answer.retryAfter]).toEqual([503, "30"]);
  });

  it("is told apart from a store that fails otherwise: that is a 500 without Retry-After", async () => {
    const failure: { mode: Failure } = { mode: "none" };
    running = await startACPServer({ store: failingStore(failure) });
    failure.mode = "broken";
    const answer = await send(running.url, ["POST", "/threads/search", {}]);
    expect(answer).toEqual({ status: 500, retryAfter: null, body: "internal server error" });
  });
});
