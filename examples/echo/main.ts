/**
 * The ACP client on its own against a served echo agent: find the agent, read its
 * descriptor, run it statelessly (wait), on a thread, streaming, and cancel a run.
 * `npm run example:echo`
 */
import { randomBytes } from "node:crypto";
import { ACPClient, type RunOutput } from "agntcy-acp";
import { serveACP } from "agntcy-acp/server";
import { type Cleanup, runExample } from "../shared/run-example.js";
import { buildEchoGraph, echoDescriptor } from "./echo-agent.js";

const human = (content: string) => ({ messages: [{ type: "human", content }] });

/** The last message of a run's result. */
function lastMessage(output: RunOutput | undefined): string {
  if (output?.type !== "result")
    throw new Error(`expected a result, got ${JSON.stringify(output)}`);
  const values = (output.values ?? {}) as { messages?: Array<{ content: string }> };
  const messages = values.messages ?? [];
  return `${messages.at(-1)?.content} (${messages.length} messages)`;
}

async function echo(cleanup: Cleanup): Promise<void> {
  const apiKey = randomBytes(16).toString("hex");
  const server = await serveACP({
    agents: [{ graph: buildEchoGraph(), descriptor: echoDescriptor }],
    apiKey,
    port: 0,
    hostname: "127.0.0.1",
  });
  cleanup.add(() => server.close());
  console.log(`ACP server with the echo agent at ${server.url}`);
  const client = new ACPClient({
    configuration: { host: server.url, apiKey: { "x-api-key": apiKey } },
  });
  cleanup.add(() => client.close());

  console.log("\n1. searchAgents");
  const [agent] = await client.searchAgents({ name: "org.example.echo" });
  if (!agent) throw new Error("the echo agent was not found");
  console.log(
    `   found ${agent.metadata.ref.name} ${agent.metadata.ref.version}: ${agent.agent_id}`,
  );
  const agentId = agent.agent_id;

  console.log("\n2. getAcpDescriptorById");
  const { specs } = await client.getAcpDescriptorById(agentId);
  const streaming = Object.keys(specs.capabilities.streaming ?? {}).join(", ");
  console.log(`   threads: ${specs.capabilities.threads}, streaming: ${streaming}`);
  console.log(`   input properties: ${Object.keys(specs.input.properties ?? {}).join(", ")}`);

  console.log("\n3. createAndWaitForStatelessRunOutput");
  const once = await client.createAndWaitForStatelessRunOutput({
    agent_id: agentId,
    input: human("hello"),
  });
  console.log(`   run ${once.run?.status}: ${lastMessage(once.output)}`);

  console.log("\n4. createThread + createAndWaitForThreadRunOutput, twice");
  const thread = await client.createThread({ metadata: { example: "echo" } });
  for (const text of ["first on the thread", "second on the thread"]) {
    const run = await client.createAndWaitForThreadRunOutput(thread.thread_id, {
      agent_id: agentId,
      input: human(text),
    });
    console.log(`   thread run ${run.run?.status}: ${lastMessage(run.output)}`);
  }

  console.log("\n5. createAndStreamStatelessRunOutput");
  const stream = client.createAndStreamStatelessRunOutput({
    agent_id: agentId,
    input: human("streamed"),
    stream_mode: ["values", "custom"],
  });
  for await (const event of stream) {
    const data = event.data;
    const detail =
      data.type === "custom"
        ? JSON.stringify(data.update)
        : data.type === "values"
          ? lastMessage({ type: "result", values: data.values })
          : data.type;
    console.log(
      `   event ${event.id}: ${data.type} [${"status" in data ? data.status : ""}] ${detail}`,
    );
  }

  console.log("\n6. createStatelessRun (held open) + cancelStatelessRun");
  const held = await client.createStatelessRun({
    agent_id: agentId,
    input: { ...human("wait for me"), hold: true },
    stream_mode: ["custom"],
  });
  // Join the run's stream from its first event (a join without Last-Event-ID only gets
  // new ones) and cancel once the agent says it is holding, so the cancel meets a running run.
  for await (const event of client.streamStatelessRunOutput(held.run_id, { lastEventId: "0" })) {
    if (event.data.type === "custom" && /holding/.test(JSON.stringify(event.data.update))) break;
  }
  await client.cancelStatelessRun(held.run_id, true, "interrupt");
  const cancelled = await client.getStatelessRun(held.run_id);
  const result = await client.waitForStatelessRunOutput(held.run_id);
  const ended =
    result.output?.type === "error"
      ? ` (errcode ${result.output.errcode}: ${result.output.description})`
      : "";
  console.log(`   run ${held.run_id}: ${cancelled.status}${ended}`);
}

await runExample(echo);
