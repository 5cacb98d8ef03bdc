/**
 * The agent the replica tests serve from several processes: `replica.steps` takes
 * `{ token, steps, ms }`, emits one custom event per step and sleeps `ms` in each, so
 * runs are still executing when a replica is killed. It also checks, through an advisory
 * lock in the database, that no other run of the same thread executes meanwhile
 * (whichever process runs it), and reports a breach as its error.
 *
 * `acp serve` serves this module; the database is the one in `DATABASE_URL`, which the
 * replicas share.
 */
import { Annotation, type LangGraphRunnableConfig, START, StateGraph } from "@langchain/langgraph";
import pg from "pg";
import type { ACPAgentOptions } from "../../src/server/index.js";
import { isConnectionError } from "../../src/server/stores/postgres/unavailable.js";

const State = Annotation.Root({
  token: Annotation<string>,
  steps: Annotation<number>,
  ms: Annotation<number>,
  done: Annotation<number>,
  pid: Annotation<number>,
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long the node tries to take its thread's guard while the database is away. */
const GUARD_CONNECT_MS = 30_000;

/**
 * A connection holding the thread's advisory lock, or an error when another run holds
 * it. The lock is tried again on a new connection while the database cannot be reached:
 * a run that a replica executes again after a restart may start while the database is
 * still shutting down, and the agent's own connection failing then is not what the
 * tests look at (the server's runs through the restart are).
 */
async function guardThread(databaseUrl: string, threadId: string): Promise<pg.Client> {
  const giveUp = Date.now() + GUARD_CONNECT_MS;
  for (;;) {
    const guard = new pg.Client({ connectionString: databaseUrl });
    // Its connection may be cut (a database restart): unheard, the 'error' event would
    // end the process. The run goes on; the guard holds until then.
    guard.on("error", () => undefined);
    let free: boolean | undefined;
    try {
      await guard.connect();
      const { rows } = await guard.query<{ free: boolean }>(
        "SELECT pg_try_advisory_lock(hashtext('replica-test:' || $1)) AS free",
        [threadId],
      );
      free = rows[0]?.free;
    } catch (err) {
      await guard.end().catch(() => undefined);
      if (!isConnectionError(err) || Date.now() > giveUp) throw err;
      await sleep(100);
      continue;
    }
    if (free) return guard;
    await guard.end().catch(() => undefined);
    throw new Error(`thread ${threadId} executes two runs at once`);
  }
}

/** The replica test agent; `databaseUrl` is where the thread guard's locks are taken. */
function replicaAgents(databaseUrl: string): ACPAgentOptions[] {
  const graph = new StateGraph(State)
    .addNode("count", async (state: typeof State.State, config: LangGraphRunnableConfig) => {
      const threadId = config.configurable?.thread_id as string;
      const guard = await guardThread(databaseUrl, threadId);
      try {
        for (let step = 1; step <= state.steps; step += 1) {
          await sleep(state.ms);
          config.writer?.({ token: state.token, step });
        }
        return { done: state.steps, pid: process.pid };
      } finally {
        await guard.end().catch(() => undefined);
      }
    })
    .addEdge(START, "count")
    .compile();
  return [
    {
      graph,
      descriptor: {
        metadata: {
          ref: { name: "replica.steps", version: "1.0.0" },
          description: "counts steps slowly, for the replica tests",
        },
        specs: {
          capabilities: {
            threads: true,
            interrupts: false,
            callbacks: false,
            streaming: { custom: true, values: true },
          },
          input: {
            type: "object",
            properties: {
              token: { type: "string" },
              steps: { type: "integer", minimum: 0, maximum: 100 },
              ms: { type: "integer", minimum: 0, maximum: 1000 },
            },
            required: ["token", "steps", "ms"],
          },
          output: { type: "object" },
          config: { type: "object" },
          custom_streaming_update: { type: "object" },
          thread_state: { type: "object" },
        },
      },
    },
  ];
}

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error("DATABASE_URL names the database the replicas share");

/** What `acp serve` serves. */
export const agents = replicaAgents(databaseUrl);
