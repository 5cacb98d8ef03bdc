/**
 * What a user's A2A message gives the graph: a new run's input, or the value that
 * resumes an interrupted run.
 */
import type { Message, Part } from "@a2a-js/sdk";
import { ContentTypeNotSupportedError, RequestMalformedError } from "@a2a-js/sdk/errors";
import { isAgentValue, isRecord } from "../../core/json-guards.js";
import type { ResumePayloadSchema } from "../../models/index.js";
import type { RegisteredAgent } from "../agents.js";

type Content = NonNullable<Part["content"]>;

/** The data and text parts of a message, refused when it has none or only file parts. */
function usableParts(message: Message): Content[] {
  const usable: Content[] = [];
  let any = false;
  for (const part of message.parts ?? []) {
    const content = part.content;
    if (!content) continue;
    any = true;
    if (content.$case === "data" || content.$case === "text") usable.push(content);
  }
  if (!any) {
    throw new RequestMalformedError("the message has no parts: send a data or a text part");
  }
  if (usable.length === 0) {
    throw new ContentTypeNotSupportedError(
      "the agent takes data and text parts only, not files or URLs",
    );
  }
  return usable;
}

/** The first data part's value, if the message has one. */
function dataOf(contents: Content[]): { value: unknown } | undefined {
  const data = contents.find((c) => c.$case === "data");
  return data ? { value: data.value } : undefined;
}

/** The text of the message's text parts, one per line. */
function textOf(contents: Content[]): string {
  return contents.flatMap((c) => (c.$case === "text" ? [c.value] : [])).join("\n");
}

/**
 * A user message in the shape the schema's `messages` items ask for: LangChain's
 * `{ type: "human" }` when the items name a `type` and no `role`, else `{ role: "user" }`
 * (LangGraph reads both).
 */
function userMessage(messages: unknown, content: string): Record<string, string> {
  const items = isRecord(messages) && isRecord(messages.items) ? messages.items : {};
  const fields = isRecord(items.properties) ? items.properties : {};
  const required = Array.isArray(items.required) ? items.required : [];
  const byType = ("type" in fields || required.includes("type")) && !("role" in fields);
  return byType ? { type: "human", content } : { role: "user", content };
}

/** The one required field of the input schema, when it is one string field. */
function requiredStringField(schema: Record<string, unknown>): string | undefined {
  const required = Array.isArray(schema.required) ? schema.required : [];
  const properties = isRecord(schema.properties) ? schema.properties : {};
  if (required.length !== 1) return undefined;
  const name = required[0];
  if (typeof name !== "string") return undefined;
  const field = properties[name];
  return isRecord(field) && field.type === "string" ? name : undefined;
}

/**
 * The input of a new run: a data part's JSON object as it is; else the text, as a user
 * message in `messages` when the agent's input schema has them, or as the one required
 * string field of the schema. Anything else is refused, saying why.
 */
export function inputOf(agent: RegisteredAgent, message: Message): Record<string, unknown> {
  const contents = usableParts(message);
  const data = dataOf(contents);
  if (data) {
    if (!isRecord(data.value)) {
      throw new RequestMalformedError(
        "the data part must hold a JSON object: it is the graph's input as it is",
      );
    }
    return data.value;
  }
  const text = textOf(contents);
  const schema = isRecord(agent.descriptor.specs.input) ? agent.descriptor.specs.input : {};
  const properties = isRecord(schema.properties) ? schema.properties : {};
  if ("messages" in properties) return { messages: [userMessage(properties.messages, text)] };
  const field = requiredStringField(schema);
  if (field !== undefined) return { [field]: text };
  throw new RequestMalformedError(
    `agent ${agent.descriptor.metadata.ref.name} cannot take a text part: its input schema has no "messages" field and not exactly one required string field; send a data part holding its input object`,
  );
}

/** The value that resumes an interrupted run: the first data part's, else the text. */
export function resumeValueOf(message: Message): ResumePayloadSchema {
  const contents = usableParts(message);
  const value = (dataOf(contents) ?? { value: textOf(contents) }).value;
  if (!isAgentValue(value)) {
    throw new RequestMalformedError(
      "the data part must hold an object, a string, a number, a boolean or an array",
    );
  }
  return value as ResumePayloadSchema;
}
