import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { AIMessage, type BaseMessage, HumanMessage, SystemMessage } from "@langchain/core/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { offlineRules } from "../../examples/marketing-campaign/offline-model.js";
import { startEmailService } from "../../examples/shared/email-service.js";
import {
  type ChatCompletionRequest,
  type OpenAIEndpoint,
  startOpenAIEndpoint,
} from "../helpers/openai-endpoint.js";
import { type ExampleRun, runExample, section } from "../helpers/run-example.js";

const DEMO = "marketing-campaign/main.ts";

/** The progress lines of the nodes that finished, in order. */
const finishedNodes = (stdout: string) =>
  [...stdout.matchAll(/^\* (\w+) done:/gm)].map((m) => m[1]);

/** What every complete campaign shows: the reviewed email went out once, to the list. */
function expectCampaignSent(run: ExampleRun, product: string): void {
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  const email = section(run.stdout, "Final email");
  expect(email).toContain(product);
  expect(email).toContain("You will receive it");
  expect(email).not.toContain("recieve");
  expect(section(run.stdout, "Reviewer verdict")).toContain(
    "correct: false (the reviewer corrected the email above)",
  );
  expect(section(run.stdout, "Send result")).toContain(
    "Email accepted for delivery to campaign-list@example.com (id 1).",
  );
  const sends = section(run.stdout, "Recorded sends (local stand-in): 1");
  expect(sends).toContain("1. POST /sendgrid/ to campaign-list@example.com");
  expect(sends).toContain('"content-type":"application/nlq","authorization":"Bearer ***"');
  expect(sends).not.toContain("2. ");
}

describe("example: marketing-campaign (npm run demo)", () => {
  it("runs the scripted conversation offline and sends the reviewed email once", async () => {
    const run = await runExample(DEMO);
    const [title, model] = run.stdout.split("\n");
    expect(title).toBe("Marketing campaign demo");
    expect(model).toContain("the scripted offline model");
    expectCampaignSent(run, "SolarBeam X2 portable charger");
    expect(section(run.stdout, "Final email")).toContain(
      "Don't miss the 20% launch discount for the first week.",
    );
    expect(finishedNodes(run.stdout)).toEqual([
      ...["process_inputs", "mailcomposer", "answer_user"],
      ...["process_inputs", "mailcomposer", "answer_user"],
      ...["process_inputs", "mailcomposer", "mailcomposer_email_reviewer", "email_reviewer"],
      ...["email_reviewer_sendgrid", "sendgrid", "prepare_output"],
    ]);
    expect(run.stdout).toContain('<- mailcomposer (remote) custom: {"step":"drafting"}');
    // The remote model's tokens, printed as they came, one line per reply.
    expect(run.stdout).toContain(
      "<- mailcomposer (remote) tokens: Subject: Introducing the SolarBeam X2 portable charger Hello,",
    );
    expect(run.stdout).toMatch(/<- email_reviewer \(remote\) tokens: \S/);
    expect(run.stdout).toContain('<- mailcomposer (remote) custom: {"step":"final email ready"}');
    expect(run.stdout).toMatch(/<- email_reviewer \(remote\) values \[success\]/);
    expect(run.stdout).toContain(
      "scripted model calls: mailcomposer 2, io_mapper 2, email_reviewer 1",
    );
  });

  it("takes the turns from stdin with --interactive", async () => {
    const run = await runExample(DEMO, ["--interactive"], {
      stdin: "Write an email announcing our new AuroraDesk lamp.\nOK\n",
    });
    expectCampaignSent(run, "AuroraDesk lamp");
    expect(run.stdout).toContain('"OK" accepts the draft');
  });

  it("sends nothing when the person leaves before saying OK", async () => {
    const run = await runExample(DEMO, ["--interactive"], {
      stdin: "Write an email announcing our new AuroraDesk lamp.\n",
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("The conversation ended before the email was accepted");
    expect(run.stdout).not.toContain("Recorded sends");
  });

  it("prints the graph as Mermaid, the same diagram the examples page shows", async () => {
    const run = await runExample(DEMO, ["--diagram"]);
    expect(run.code).toBe(0);
    const diagram = run.stdout.trim();
    expect(diagram).toContain(
      "mailcomposer -. &nbsp;review&nbsp; .-> mailcomposer_email_reviewer;",
    );
    expect(diagram).toContain("mailcomposer -. &nbsp;ask_user&nbsp; .-> answer_user;");
    expect(diagram).toContain("email_reviewer_sendgrid --> sendgrid;");
    const page = readFileSync(resolve(import.meta.dirname, "../../docs/examples.md"), "utf8");
    const block = /```mermaid\n([\s\S]*?)\n```/.exec(page)?.[1];
    expect(block).toBe(diagram);
  });

  it("fails with one readable line on an unknown option", async () => {
    const run = await runExample(DEMO, ["--colour"]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual(["error: Unknown option '--colour'"]);
  });
});

/** The chat messages of a request as LangChain messages, for the scripted rules. */
function toMessages(request: ChatCompletionRequest): BaseMessage[] {
  return request.messages.map(({ role, content }) => {
    const text =
      typeof content === "string"
        ? content
        : (content as Array<{ text?: string }>).map((part) => part.text ?? "").join("");
    if (role === "system") return new SystemMessage(text);
    return role === "assistant" ? new AIMessage(text) : new HumanMessage(text);
  });
}

describe("example: marketing-campaign with an OpenAI-compatible model", () => {
  let endpoint: OpenAIEndpoint;
  const KEY = "sk-demo-test-key-0123456789";

  beforeAll(async () => {
    // The endpoint answers as the offline rules would, so the demo's ChatOpenAI path
    // (agents and I/O mapper) runs for real over HTTP.
    endpoint = await startOpenAIEndpoint({
      responder: (request) => {
        const messages = toMessages(request);
        const rule = offlineRules.find((r) => r.when(messages));
        return rule ? rule.reply(messages) : { error: { status: 400, message: "no rule" } };
      },
    });
  });
  afterAll(async () => {
    await endpoint.close();
  });

  it("uses ChatOpenAI for the agents and the mapper when OPENAI_API_KEY is set", async () => {
    const run = await runExample(DEMO, [], {
      env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: endpoint.url },
    });
    expect(run.stdout.split("\n")[1]).toBe(
      `LLM: OpenAI-compatible model gpt-4o-mini at ${endpoint.url}`,
    );
    expectCampaignSent(run, "SolarBeam X2 portable charger");
    // two drafts, the reviewer, and the two mappers
    expect(endpoint.calls).toBe(5);
    expect(endpoint.requests.every((r) => r.model === "gpt-4o-mini")).toBe(true);
    expect(run.stdout).not.toContain("scripted model calls");
    expect(run.stdout + run.stderr).not.toContain(KEY);
  });
});

describe("example: marketing-campaign with an API bridge from SENDGRID_HOST", () => {
  const KEY = "bridge-key-0123456789abcdef";

  it("sends through the bridge it is pointed at, with SENDGRID_API_KEY as the bearer key", async () => {
    const bridge = await startEmailService(KEY);
    try {
      const run = await runExample(DEMO, [], {
        env: { SENDGRID_HOST: bridge.url, SENDGRID_API_KEY: KEY },
      });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`email: the API bridge at ${bridge.url} (from SENDGRID_HOST)`);
      expect(section(run.stdout, "Send result")).toContain(
        "Email accepted for delivery to campaign-list@example.com (id 1).",
      );
      expect(run.stdout).not.toContain("Recorded sends");
      expect(run.stdout + run.stderr).not.toContain(KEY);
      expect(bridge.sends.map((send) => send.recipient)).toEqual(["campaign-list@example.com"]);
      expect(bridge.sends[0]?.query).toContain("SolarBeam X2 portable charger");
    } finally {
      await bridge.close();
    }
  });

  it("refuses SENDGRID_HOST without SENDGRID_API_KEY in one line", async () => {
    const run = await runExample(DEMO, [], { env: { SENDGRID_HOST: "http://127.0.0.1:9" } });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe("error: SENDGRID_HOST is set but SENDGRID_API_KEY is not");
  });
});
