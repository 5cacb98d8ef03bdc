/**
 * One trace across a replica takeover, on PostgreSQL with two replicas in this process
 * and the OpenTelemetry SDK recording to memory: a run created in a traced request and
 * taken over by the other replica (the first shuts down and hands it over) is executed
 * there under the span of the request that created it, in the caller's trace.
 */
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACPClient, ApiClientConfiguration } from "../../src/index.js";
import {
  createTestDatabase,
  postgresAvailable,
  startPostgresReplica,
  type TestDatabase,
} from "../helpers/postgres.js";
import { agentIds, type TestACPServer } from "../helpers/server.js";

const SERVER = 1;
const CLIENT = 2;

describe.skipIf(!postgresAvailable)("a run taken over by another replica", () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let db: TestDatabase;
  let leaving: TestACPServer;
  let staying: TestACPServer;
  let client: ACPClient;

  beforeAll(async () => {
    provider.register();
    db = await createTestDatabase();
    leaving = await startPostgresReplica(db.url);
    staying = await startPostgresReplica(db.url);
    client = new ACPClient({ configuration: new ApiClientConfiguration({ host: leaving.url }) });
  });
  afterAll(async () => {
    for (const server of [leaving, staying]) server?.gate.release();
    await client?.close();
    await Promise.all([leaving?.close(), staying?.close()]);
    await db?.drop();
    await provider.shutdown();
  });

  it("continues the trace of the request that created it", async () => {
    const run = await client.createStatelessRun({
      agent_id: agentIds.slow,
      input: { text: "traced" },
    });
    await leaving.gate.waitForStarted(1);
    await leaving.close();
    await staying.gate.waitForStarted(1);
    staying.gate.release();
    const other = new ACPClient({
      configuration: new ApiClientConfiguration({ host: staying.url }),
    });
    const done = await other.waitForStatelessRunOutput(run.run_id);
    await other.close();
    expect(done.run?.status).toBe("success");

    const spans = exporter.getFinishedSpans();
    const invoke = spans.find((s) => s.kind === CLIENT && s.name.startsWith("invoke_agent"));
    const created = spans.find((s) => s.kind === SERVER && s.name === "POST /runs");
    expect(invoke).toBeDefined();
    expect(created?.parentSpanContext?.spanId).toBe(invoke?.spanContext().spanId);
    const legs = spans.filter((s) => s.attributes["acp.run.id"] === run.run_id);
    // The leg the leaving replica began and handed over, and the one that ended the run.
    expect(legs).toHaveLength(2);
    const [first, taken] = legs as [ReadableSpan, ReadableSpan];
    expect(first.attributes["acp.run.continued"]).toBeUndefined();
    expect(taken.attributes["acp.run.continued"]).toBe(true);
    expect(taken.attributes["acp.run.status"]).toBe("success");
    const traceId = invoke?.spanContext().traceId;
    expect(first.spanContext().traceId).toBe(traceId);
    expect(taken.spanContext().traceId).toBe(traceId);
    expect(taken.parentSpanContext?.spanId).toBe(created?.spanContext().spanId);
    // The taken-over graph's steps are under its leg.
    const steps = spans.filter((s) => s.parentSpanContext?.spanId === taken.spanContext().spanId);
    expect(steps.map((s) => s.name)).toContain("LangGraph");
  });
});
