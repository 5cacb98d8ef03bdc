/**
 * Starts what the campaign talks to: one ACP server on 127.0.0.1 serving both agents,
 * and the email service behind an API bridge (a local stand-in unless `SENDGRID_HOST`
 * points at a real bridge).
 */
import { randomBytes } from "node:crypto";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { deriveAgentId, serveACP } from "agntcy-acp/server";
import { type RecordedSend, startEmailService } from "../shared/email-service.js";
import type { Cleanup } from "../shared/run-example.js";
import { buildEmailReviewerGraph, emailReviewerDescriptor } from "./agents/email-reviewer.js";
import { buildMailcomposerGraph, mailcomposerDescriptor } from "./agents/mailcomposer.js";
import type { CampaignEndpoints } from "./orchestrator.js";

/** The running services and where to reach them. */
export interface CampaignServices {
  endpoints: CampaignEndpoints;
  /** Lines that say what was started, for the person watching. */
  description: string[];
  /** What the local stand-in sent; undefined when a real API bridge is used. */
  sends: RecordedSend[] | undefined;
}

const idOf = (ref: { name: string; version: string }) => deriveAgentId(ref.name, ref.version);

/** Starts the services; `cleanup` stops them. */
export async function startCampaignServices(
  llm: BaseChatModel,
  cleanup: Cleanup,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CampaignServices> {
  const acpKey = randomBytes(16).toString("hex");
  const acp = await serveACP({
    agents: [
      // streamLangGraph: a run may ask for the agent's model tokens, which the demo shows.
      {
        graph: buildMailcomposerGraph(llm),
        descriptor: mailcomposerDescriptor,
        streamLangGraph: true,
      },
      {
        graph: buildEmailReviewerGraph(llm),
        descriptor: emailReviewerDescriptor,
        streamLangGraph: true,
      },
    ],
    apiKey: acpKey,
    port: 0,
    hostname: "127.0.0.1",
  });
  cleanup.add(() => acp.close());
  const description = [`ACP server with mailcomposer and email_reviewer at ${acp.url}`];

  let email: CampaignEndpoints["email"];
  let sends: RecordedSend[] | undefined;
  if (env.SENDGRID_HOST) {
    if (!env.SENDGRID_API_KEY) throw new Error("SENDGRID_HOST is set but SENDGRID_API_KEY is not");
    email = { hostname: env.SENDGRID_HOST, serviceName: "sendgrid", apiKey: env.SENDGRID_API_KEY };
    description.push(`email: the API bridge at ${env.SENDGRID_HOST} (from SENDGRID_HOST)`);
  } else {
    const key = randomBytes(16).toString("hex");
    const service = await startEmailService(key);
    cleanup.add(() => service.close());
    email = { hostname: service.url, serviceName: service.serviceName, apiKey: key };
    sends = service.sends;
    description.push(
      `email: local stand-in for the API bridge at ${service.url} (records sends, sends nothing)`,
    );
  }
  return {
    endpoints: {
      acp: { host: acp.url, apiKey: { "x-api-key": acpKey } },
      composerAgentId: idOf(mailcomposerDescriptor.metadata.ref),
      reviewerAgentId: idOf(emailReviewerDescriptor.metadata.ref),
      email,
    },
    description,
    sends,
  };
}
