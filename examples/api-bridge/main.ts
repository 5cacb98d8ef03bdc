/**
 * `APIBridgeAgentNode` on its own: a graph node that asks an email API in plain words
 * through an API bridge, here the local stand-in, which shows the exact request the
 * node sent. `npm run example:api-bridge`
 */
import { randomBytes } from "node:crypto";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { ApiException } from "agntcy-acp";
import {
  APIBridgeAgentNode,
  type APIBridgeInput,
  type APIBridgeOutput,
} from "agntcy-acp/langgraph";
import { startEmailService } from "../shared/email-service.js";
import { type Cleanup, runExample } from "../shared/run-example.js";

const BridgeState = Annotation.Root({
  email: Annotation<{ input: APIBridgeInput; output?: APIBridgeOutput }>(),
});

const QUERY =
  'Send an email to ada@example.com with the subject "Welcome" and the body "Glad you\'re here."';

function bridgeGraph(host: string, serviceName: string, serviceApiKey: string) {
  const node = new APIBridgeAgentNode({
    name: "send_email",
    host,
    serviceName,
    serviceApiKey,
    inputPath: "email.input",
    outputPath: "email.output",
    retries: 0,
  });
  const graph = new StateGraph(BridgeState)
    .addNode(node.getName(), node)
    .addEdge(START, node.getName())
    .addEdge(node.getName(), END)
    .compile();
  return { node, graph };
}

async function bridge(cleanup: Cleanup): Promise<void> {
  const key = randomBytes(16).toString("hex");
  const service = await startEmailService(key);
  cleanup.add(() => service.close());
  console.log(`local stand-in for the API bridge at ${service.url} (records sends, sends nothing)`);

  const { node, graph } = bridgeGraph(service.url, service.serviceName, key);
  console.log(`\nthe node posts to ${node.url}`);
  const out = await graph.invoke({ email: { input: { query: QUERY } } });
  const [sent] = service.sends;
  if (!sent) throw new Error("the stand-in received no request");
  console.log("\nthe request the stand-in received:");
  console.log(`    ${sent.request}`);
  for (const [name, value] of Object.entries(sent.headers)) console.log(`    ${name}: ${value}`);
  console.log("");
  console.log(`    ${sent.query}`);
  console.log(`\nthe node wrote at email.output: ${JSON.stringify(out.email.output)}`);

  console.log("\nthe same node with a wrong key:");
  const wrongKey = randomBytes(16).toString("hex");
  const failure = await bridgeGraph(service.url, service.serviceName, wrongKey)
    .graph.invoke({ email: { input: { query: QUERY } } })
    .then(() => undefined)
    .catch((error: unknown) => error);
  if (!(failure instanceof ApiException)) throw new Error("a wrong key was not refused");
  const leaked = failure.message.includes(wrongKey);
  console.log(`    ${failure.name} (status ${failure.status}): ${failure.message.split("\n")[0]}`);
  console.log(`    the key appears in the error: ${leaked ? "yes" : "no"}`);
  console.log(`\nrecorded sends: ${service.sends.length}`);
}

await runExample(bridge);
