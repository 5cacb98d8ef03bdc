/**
 * The database is away while a graph executes (its checkpointer cannot write): the run
 * did not fail. The replica gives it back to the queue, a replica executes it again
 * once the database answers, and its waiter is told its real end, never `error`.
 */
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresStore } from "../../src/server/index.js";
import { StoreUnavailableError } from "../../src/server/stores/errors.js";
import { echoAgent } from "../helpers/graphs.js";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../helpers/postgres.js";
import {
  agentIds,
  memoryLogger,
  raw,
  startACPServer,
  type TestACPServer,
} from "../helpers/server.js";

const State = Annotation.Root({
  text: Annotation<string>,
  reply: Annotation<string>,
  history: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

describe.skipIf(!postgresAvailable)("the database away while a graph executes", () => {
  let db: TestDatabase;
  let server: TestACPServer;
  let executions = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The echo agent's descriptor, with a graph whose first execution meets the database away.
    const graph = new StateGraph(State)
      .addNode("echo", (state: typeof State.State) => {
        executions += 1;
        if (executions === 1) {
          throw new StoreUnavailableError("the database cannot be reached", "checkpointer.put");
        }
        return { reply: `echo: ${state.text}`, history: [state.text] };
      })
      .addEdge(START, "echo")
      .addEdge("echo", END)
      .compile();
    const logger = memoryLogger();
    server = await startACPServer({
      agents: [{ graph, descriptor: echoAgent().descriptor }],
      store: postgresStore(db.url, { logger, pollIntervalMs: 100 }),
      logger,
    });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it("executes the run again instead of ending it in error", async () => {
    const done = await raw(server.url, "POST", "/runs/wait", {
      agent_id: agentIds.echo,
      input: { text: "again" },
    });
    expect(done.status, done.text).toBe(200);
    expect(done.body).toMatchObject({
      run: { status: "success" },
      output: { type: "result", values: { reply: "echo: again" } },
    });
    expect(executions).toBe(2);
  });
});
