/**
 * The marketing-campaign demo: `npm run demo` (scripted conversation, offline unless
 * OPENAI_API_KEY is set), `npm run demo -- --interactive` (type the turns yourself),
 * `npm run example:diagram` (print the graph as Mermaid).
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { chooseChatModel } from "../shared/chat-model.js";
import { describeChunk, TokenPrinter } from "../shared/progress.js";
import { type Cleanup, runExample } from "../shared/run-example.js";
import type { ScriptedChatModel } from "../shared/scripted-model.js";
import { CAMPAIGN_TARGET, scriptedTurns, type TurnSource, terminalTurns } from "./conversation.js";
import { createOfflineModel } from "./offline-model.js";
import {
  buildCampaignGraph,
  type CampaignStateValue,
  compileCampaignGraph,
} from "./orchestrator.js";
import { type CampaignServices, startCampaignServices } from "./services.js";

/** Endpoints that are never called: drawing the graph needs none running. */
const NOWHERE = {
  acp: { host: "http://127.0.0.1:8000" },
  composerAgentId: "mailcomposer",
  reviewerAgentId: "email_reviewer",
  email: { hostname: "http://127.0.0.1:8080", serviceName: "sendgrid", apiKey: "unused" },
};

async function printDiagram(): Promise<void> {
  const graph = buildCampaignGraph(NOWHERE, createOfflineModel()).compile();
  console.log((await graph.getGraphAsync()).drawMermaid());
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => (line ? `    ${line}` : ""))
    .join("\n");
}

async function converse(
  services: CampaignServices,
  llm: BaseChatModel,
  nextTurn: TurnSource,
): Promise<CampaignStateValue | undefined> {
  const graph = compileCampaignGraph(services.endpoints, llm);
  const config = {
    configurable: { thread_id: `campaign-${randomUUID()}`, mailcomposer: { tone: "friendly" } },
  };
  let first = true;
  for (let said = await nextTurn(); said !== undefined; said = await nextTurn()) {
    const human = { type: "human" as const, content: said };
    const input = first
      ? {
          messages: [human],
          target_audience: CAMPAIGN_TARGET.audience,
          recipient_email_address: CAMPAIGN_TARGET.recipient,
        }
      : { messages: [human] };
    first = false;
    const stream = await graph.stream(input, {
      ...config,
      streamMode: ["updates", "custom", "messages"],
    });
    const tokens = new TokenPrinter();
    for await (const [mode, chunk] of stream) {
      if (mode === "messages") {
        tokens.write(chunk);
        continue;
      }
      const lines = describeChunk(mode, chunk);
      if (lines.length > 0) tokens.end();
      for (const line of lines) console.log(line);
    }
    tokens.end();
    const state = (await graph.getState(config)).values as CampaignStateValue;
    if (state.final_email) return state;
    const reply = state.messages.at(-1);
    if (reply?.type !== "human") console.log(`\nmailcomposer>\n${indent(reply?.content ?? "")}`);
  }
  return undefined;
}

function printOutcome(state: CampaignStateValue, services: CampaignServices): void {
  const review = state.email_reviewer_state.output;
  console.log("\n=== Final email ===");
  console.log(indent(state.final_email ?? ""));
  console.log("\n=== Reviewer verdict ===");
  console.log(
    review?.correct
      ? "    correct: true (no corrections needed)"
      : "    correct: false (the reviewer corrected the email above)",
  );
  console.log("\n=== Send result ===");
  console.log(`    ${state.sendgrid_state.output?.result ?? "(none)"}`);
  if (services.sends) {
    console.log(`\n=== Recorded sends (local stand-in): ${services.sends.length} ===`);
    services.sends.forEach((send, i) => {
      console.log(`    ${i + 1}. ${send.request} to ${send.recipient ?? "(no address)"}`);
      console.log(`       headers: ${JSON.stringify(send.headers)}`);
      console.log(`       query: ${send.query.split("\n")[0]}`);
    });
  }
}

function printCalls(scripted: ScriptedChatModel | undefined): void {
  if (!scripted) return;
  const counts = [...scripted.calls].map(([rule, n]) => `${rule} ${n}`).join(", ");
  console.log(`\nscripted model calls: ${counts || "none"}`);
}

async function demo(cleanup: Cleanup): Promise<void> {
  const { values } = parseArgs({
    options: { interactive: { type: "boolean" }, diagram: { type: "boolean" } },
  });
  if (values.diagram) return printDiagram();

  const chosen = chooseChatModel(createOfflineModel);
  console.log("Marketing campaign demo");
  console.log(chosen.description);
  const services = await startCampaignServices(chosen.llm, cleanup);
  for (const line of services.description) console.log(line);
  console.log(`audience: ${CAMPAIGN_TARGET.audience}, recipient: ${CAMPAIGN_TARGET.recipient}`);

  let turns: TurnSource = scriptedTurns();
  if (values.interactive) {
    const terminal = terminalTurns();
    cleanup.add(() => terminal.close());
    turns = terminal.next;
    console.log('Type your requests for the email; "OK" accepts the draft, an empty line quits.');
  }
  const done = await converse(services, chosen.llm, turns);
  if (!done) {
    console.log("\nThe conversation ended before the email was accepted; nothing was sent.");
    return;
  }
  printOutcome(done, services);
  printCalls(chosen.scripted);
}

await runExample(demo);
