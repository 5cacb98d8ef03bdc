/**
 * A local OpenAI-compatible chat-completions server, so tests run `ChatOpenAI`'s real
 * HTTP path offline: `new ChatOpenAI({ apiKey: "test", configuration: { baseURL: url }, model: "x" })`.
 * It answers from a script, counts calls and keeps every request body.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A chat-completions request body as the endpoint received it. */
export interface ChatCompletionRequest {
  model: string;
  messages: Array<{ role: string; content: unknown }>;
  stream?: boolean;
  response_format?: { type: string; json_schema?: { name: string; schema: unknown } };
  tools?: unknown[];
  [key: string]: unknown;
}

/** One scripted answer: the assistant's text, a tool call with JSON arguments, or an HTTP error. */
export type ScriptedReply =
  | string
  /** A text reply streamed in these pieces, one chunk each (in one piece when not streamed). */
  | { tokens: string[] }
  | { toolCall: { name: string; arguments: string } }
  | { error: { status: number; message: string } };

type SuccessReply = Exclude<ScriptedReply, { error: unknown }>;

/** Computes the answer from the request, for replies that depend on the prompt. */
export type Responder = (request: ChatCompletionRequest) => ScriptedReply;

/** The running endpoint and what it has seen. */
export interface OpenAIEndpoint {
  /** Base URL for `configuration.baseURL` (ends in `/v1`). */
  url: string;
  /** Chat-completion requests answered so far. */
  readonly calls: number;
  /** Every request body, oldest first. */
  readonly requests: ChatCompletionRequest[];
  /** Queues answers, used before the responder. */
  reply(...replies: ScriptedReply[]): void;
  /** Sets the answer for requests once the queue is empty. */
  respondWith(responder: Responder | undefined): void;
  /** Forgets queued answers, requests and the call count. */
  reset(): void;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

function assistantMessage(reply: SuccessReply) {
  if (typeof reply === "string") return { role: "assistant", content: reply };
  if ("tokens" in reply) return { role: "assistant", content: reply.tokens.join("") };
  return {
    role: "assistant",
    content: null,
    tool_calls: [
      {
        id: "call_0",
        type: "function",
        function: { name: reply.toolCall.name, arguments: reply.toolCall.arguments },
      },
    ],
  };
}

function sendStream(response: ServerResponse, model: string, reply: SuccessReply): void {
  response.writeHead(200, { "content-type": "text/event-stream" });
  const base = { id: "chatcmpl-local", object: "chat.completion.chunk", created: 0, model };
  const send = (delta: Record<string, unknown>, finish_reason?: string) =>
    response.write(
      `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason }] })}\n\n`,
    );
  if (typeof reply === "object" && "tokens" in reply) {
    send({ role: "assistant", content: "" });
    for (const token of reply.tokens) send({ content: token });
    send({}, "stop");
    response.end("data: [DONE]\n\n");
    return;
  }
  const delta =
    typeof reply === "string"
      ? { role: "assistant", content: reply }
      : {
          role: "assistant",
          tool_calls: [
            {
              index: 0,
              id: "call_0",
              type: "function",
              function: { name: reply.toolCall.name, arguments: reply.toolCall.arguments },
            },
          ],
        };
  const finish = typeof reply === "string" ? "stop" : "tool_calls";
  response.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta }] })}\n\n`);
  response.write(
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }] })}\n\n`,
  );
  response.end("data: [DONE]\n\n");
}

/** Starts the endpoint on 127.0.0.1 with a free port. */
export async function startOpenAIEndpoint(
  options: { replies?: ScriptedReply[]; responder?: Responder } = {},
): Promise<OpenAIEndpoint> {
  const queue: ScriptedReply[] = [...(options.replies ?? [])];
  let responder = options.responder;
  const requests: ChatCompletionRequest[] = [];

  const server = createServer(async (request, response) => {
    if (request.method !== "POST" || !request.url?.endsWith("/chat/completions")) {
      sendJson(response, 404, { error: { message: `no route ${request.method} ${request.url}` } });
      return;
    }
    const body = JSON.parse(await readBody(request)) as ChatCompletionRequest;
    requests.push(body);
    const reply = queue.shift() ?? responder?.(body);
    if (reply === undefined) {
      // 400, not 5xx: the client must not retry a script that has run out.
      sendJson(response, 400, {
        error: { message: "no scripted reply left", type: "invalid_request_error" },
      });
      return;
    }
    if (typeof reply === "object" && "error" in reply) {
      sendJson(response, reply.error.status, {
        error: { message: reply.error.message, type: "invalid_request_error" },
      });
      return;
    }
    if (body.stream) {
      sendStream(response, body.model, reply);
      return;
    }
    sendJson(response, 200, {
      id: "chatcmpl-local",
      object: "chat.completion",
      created: 0,
      model: body.model,
      choices: [
        {
          index: 0,
          message: assistantMessage(reply),
          finish_reason: typeof reply === "string" ? "stop" : "tool_calls",
        },
      ],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    get calls() {
      return requests.length;
    },
    requests,
    reply: (...replies) => {
      queue.push(...replies);
    },
    respondWith: (next) => {
      responder = next;
    },
    reset: () => {
      queue.length = 0;
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
