/**
 * One parent process of the restart test: builds a fresh parent graph with a fresh
 * ACPNode on a SQLite checkpointer file, invokes it once (with input, or with an answer
 * to resume) and prints the result as JSON. Arguments: server URL, agent id, database
 * file, parent thread id, and optionally the answer as JSON.
 */
import { Annotation, Command, END, START, StateGraph } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { ACPNode } from "../../../src/langgraph/acp-node.js";

const [url, agentId, dbPath, threadId, answer] = process.argv.slice(2);
if (!url || !agentId || !dbPath || !threadId) {
  throw new Error("usage: acp-node-restart <url> <agent id> <db file> <thread id> [answer]");
}

const State = Annotation.Root({
  request: Annotation<{ input?: unknown; output?: unknown }>,
});

const node = new ACPNode({
  name: "ask",
  agentId,
  clientConfig: { host: url },
  inputPath: "request.input",
  outputPath: "request.output",
});
const saver = SqliteSaver.fromConnString(dbPath);
const graph = new StateGraph(State)
  .addNode(node.getName(), node)
  .addEdge(START, node.getName())
  .addEdge(node.getName(), END)
  .compile({ checkpointer: saver });

const input =
  answer === undefined
    ? { request: { input: { topic: "restart" } } }
    : new Command({ resume: JSON.parse(answer) });
const out = await graph.invoke(input, { configurable: { thread_id: threadId } });
process.stdout.write(JSON.stringify(out));
await node.client.close();
