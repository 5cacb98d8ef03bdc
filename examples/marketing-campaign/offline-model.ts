/**
 * The scripted offline model of the marketing-campaign demo: it drafts the
 * email from the person's requests, reviews it, and answers the I/O mapper, by
 * rules written for this demo's conversation.
 */
import type { BaseMessage } from "@langchain/core/messages";
import { mapperCompileRule, mapperDataRule } from "../shared/mapper-rules.js";
import { ScriptedChatModel, type ScriptRule, systemText } from "../shared/scripted-model.js";
import { REVIEWER_PROMPT } from "./agents/email-reviewer.js";
import { COMPOSER_PROMPT } from "./agents/mailcomposer.js";

const humanLines = (messages: readonly BaseMessage[]) =>
  messages.filter((m) => m.getType() === "human").map((m) => m.text.trim());

const PRODUCT =
  /(?:announcing|announce|introducing|about|launch of)\s+(?:our new |the |our )?([^.,;]+?)(?:\s+to\s|\s+for\s|[.,;]|$)/i;

/** Drafts an email: the first request names the product, later ones add to it. */
function draftEmail(messages: readonly BaseMessage[]): string {
  const [first = "", ...more] = humanLines(messages);
  const product = PRODUCT.exec(first)?.[1] ?? "our new product";
  const extras = more
    .map((line) => /^(?:please\s+)?(?:mention|add|include)\s+(.+?)\.?$/i.exec(line)?.[1])
    .filter((x): x is string => x !== undefined)
    .map((x) => `Don't miss ${x.replace(/^(?:that|the)\s+/i, "the ")}.`);
  return [
    `Subject: Introducing the ${product}`,
    "",
    "Hello,",
    "",
    `We are thrilled to introduce the ${product}. You will recieve it with free shipping,`,
    "and our team is ready to help you get started.",
    ...(extras.length > 0 ? ["", ...extras] : []),
    "",
    "Best regards,",
    "The Marketing Team",
  ].join("\n");
}

const FIXES: ReadonlyArray<[RegExp, string]> = [
  [/\brecieve\b/g, "receive"],
  [/\bteh\b/g, "the"],
  [/ {2,}/g, " "],
];

/** Reviews an email: fixes the misspellings it knows and says whether any were found. */
function reviewEmail(messages: readonly BaseMessage[]): string {
  const text = messages.at(-1)?.text ?? "";
  const email = text.slice(text.indexOf("Email:\n") + "Email:\n".length);
  const corrected = FIXES.reduce((acc, [wrong, right]) => acc.replace(wrong, right), email);
  return JSON.stringify({ correct: corrected === email, corrected_email: corrected });
}

const composerRule: ScriptRule = {
  name: "mailcomposer",
  when: (m) => systemText(m).startsWith(COMPOSER_PROMPT),
  reply: draftEmail,
};

const reviewerRule: ScriptRule = {
  name: "email_reviewer",
  when: (m) => systemText(m).startsWith(REVIEWER_PROMPT),
  reply: reviewEmail,
};

/** The rules of every agent and mapper of the demo, in the order they are tried. */
export const offlineRules: readonly ScriptRule[] = [
  composerRule,
  reviewerRule,
  mapperDataRule,
  mapperCompileRule,
];

/** The demo's offline model, with the rules of every agent and mapper in it. */
export function createOfflineModel(extraRules: readonly ScriptRule[] = []): ScriptedChatModel {
  return new ScriptedChatModel([...offlineRules, ...extraRules]);
}
