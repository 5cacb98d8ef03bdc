/**
 * A2A's two HTTP bindings for one agent, on Hono: JSON-RPC through the SDK's
 * `JsonRpcTransportHandler`, and HTTP+JSON (REST) routed here to the same request
 * handler, with the SDK's wire types, error bodies and SSE framing. These are what the
 * SDK's express handlers do, without express: the server runs on Hono alone.
 */
import {
  A2A_VERSION_HEADER,
  AgentCard,
  Extensions,
  formatSSEErrorEvent,
  formatSSEEvent,
  HTTP_EXTENSION_HEADER,
  ListTaskPushNotificationConfigsResponse,
  ListTasksRequest,
  ListTasksResponse,
  type Message,
  SendMessageRequest,
  SendMessageResponse,
  SSE_HEADERS,
  StreamResponse,
  Task,
  TaskPushNotificationConfig,
} from "@a2a-js/sdk";
import {
  A2A_ERROR_CODE,
  ContentTypeNotSupportedError,
  RequestMalformedError,
  restStatusFor,
  toRestErrorBody,
} from "@a2a-js/sdk/errors";
import {
  JsonRpcTransportHandler,
  ServerCallContext,
  UnauthenticatedUser,
  validateVersion,
} from "@a2a-js/sdk/server";
import type { Context } from "hono";
import type { ACPServerLogger } from "../options.js";
import { toA2AError } from "./errors.js";
import type { AgentRequestHandler } from "./request-handler.js";

/** What the bindings need from the server. */
export interface TransportDeps {
  /** Reads a request body within the server's size limit. */
  readBody: (c: Context) => Promise<string>;
  /** How often an idle stream sends a keep-alive comment, in ms. */
  keepAliveMs: number;
  /** Told of each stream's end, so a closing server can wait for them. */
  track: (ended: Promise<void>) => void;
  logger: ACPServerLogger;
}

type Binding = "JSONRPC" | "HTTP+JSON";

/**
 * What an idle stream sends now and then: one comment line, which SSE readers skip (and
 * without a blank line after it, which some readers would take for an empty event).
 */
const KEEP_ALIVE = ": keep-alive\n";

/** The user of every request: the bindings authenticate nobody (the server's auth runs before them). */
const NO_USER = new UnauthenticatedUser();

/**
 * The call context of a request, after checking the A2A version it asks for. Its state
 * holds what this folder hands from the request handler to the executor and the task
 * store, not the request's headers (which the SDK's express handlers put there for
 * executors that read them: ours read none, and copying every header costs each request).
 */
async function callContext(
  c: Context,
  handler: AgentRequestHandler,
  binding: Binding,
): Promise<ServerCallContext> {
  const requestedVersion = c.req.header(A2A_VERSION_HEADER) || undefined;
  const context = new ServerCallContext({
    requestedExtensions: Extensions.parseServiceParameter(c.req.header(HTTP_EXTENSION_HEADER)),
    user: NO_USER,
    state: new Map<string, unknown>(),
    ...(requestedVersion ? { requestedVersion } : {}),
  });
  validateVersion(context.requestedVersion, await handler.getAgentCard(), binding);
  return context;
}

/** The media type of a request, lower-cased without parameters; undefined without one. */
function mediaType(c: Context): string | undefined {
  const raw = c.req.header("content-type");
  return raw === undefined ? undefined : (raw.split(";", 1)[0] ?? "").trim().toLowerCase();
}

/**
 * An SSE response of `events` (each formatted by `format`), started only once the
 * first event is known: an error before it is answered by `early` instead, as a plain
 * response. An error later is the stream's last event (`late`). A client that goes
 * away stops the generator; an idle stream sends keep-alive comments.
 */
async function sseResponse<T>(
  events: AsyncGenerator<T, void, undefined>,
  deps: TransportDeps,
  format: (event: T) => unknown,
  early: (err: unknown) => Response,
  late: (err: unknown) => unknown,
): Promise<Response> {
  let first: IteratorResult<T, void>;
  try {
    first = await events.next();
  } catch (err) {
    return early(err);
  }
  const encoder = new TextEncoder();
  let ended!: () => void;
  deps.track(
    new Promise<void>((resolve) => {
      ended = resolve;
    }),
  );
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  // Set once the client went away: nothing more is written, and no error is told.
  let gone = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const write = (text: string) => controller.enqueue(encoder.encode(text));
      keepAlive = setInterval(() => {
        if (!gone) write(KEEP_ALIVE);
      }, deps.keepAliveMs);
      void (async () => {
        try {
          if (!first.done) write(formatSSEEvent(format(first.value)));
          for await (const event of events) {
            if (gone) break;
            write(formatSSEEvent(format(event)));
          }
        } catch (err) {
          if (!gone) write(formatSSEErrorEvent(late(err)));
        } finally {
          clearInterval(keepAlive);
          if (!gone) controller.close();
          ended();
        }
      })();
    },
    async cancel() {
      gone = true;
      clearInterval(keepAlive);
      // Ends the SDK's stream, which stops following the task for this client.
      await events.return(undefined);
    },
  });
  return new Response(body, { status: 200, headers: SSE_HEADERS });
}

/** A JSON answer. */
function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/**
 * What makes `body` no JSON-RPC 2.0 request (JSON-RPC's Invalid Request, -32600), or
 * undefined for a request. The SDK answers these as invalid params; JSON-RPC 2.0 gives
 * them a code of their own.
 */
function envelopeProblem(body: unknown): string | undefined {
  if (Array.isArray(body)) return "batches are not served: send one request object at a time";
  if (typeof body !== "object" || body === null) return "the request must be a JSON object";
  const request = body as Record<string, unknown>;
  if (request.jsonrpc !== "2.0") return 'jsonrpc must be "2.0"';
  if (typeof request.method !== "string" || request.method === "") {
    return "method must be a non-empty string";
  }
  if ("id" in request && !validId(request.id)) {
    return "id must be a string, an integer or null";
  }
  return undefined;
}

/** A JSON-RPC id: a string, an integer or null. */
function validId(id: unknown): boolean {
  return typeof id === "string" || Number.isInteger(id) || id === null;
}

/** The JSON-RPC binding of one agent: every request answered on HTTP 200, errors as JSON-RPC errors. */
export function jsonRpcBinding(deps: TransportDeps) {
  const transports = new WeakMap<AgentRequestHandler, JsonRpcTransportHandler>();
  const transportOf = (handler: AgentRequestHandler) => {
    let transport = transports.get(handler);
    if (!transport) {
      transport = new JsonRpcTransportHandler(handler);
      transports.set(handler, transport);
    }
    return transport;
  };
  const errorAnswer = (id: unknown, err: unknown) =>
    json({
      jsonrpc: "2.0",
      id: id ?? null,
      error: JsonRpcTransportHandler.mapToJSONRPCError(toA2AError(err, deps.logger)),
    });

  return async (c: Context, handler: AgentRequestHandler): Promise<Response> => {
    const type = mediaType(c);
    if (type !== undefined && type !== "application/json") {
      return errorAnswer(
        null,
        new ContentTypeNotSupportedError(`expected application/json, not ${type.slice(0, 80)}`),
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(await deps.readBody(c));
    } catch (err) {
      if (!(err instanceof SyntaxError)) return errorAnswer(null, err);
      return json({
        jsonrpc: "2.0",
        id: null,
        error: { code: A2A_ERROR_CODE.PARSE_ERROR, message: "the body is not JSON" },
      });
    }
    const given = typeof body === "object" && body !== null ? (body as { id?: unknown }).id : null;
    const id = validId(given) ? given : null;
    const problem = envelopeProblem(body);
    if (problem) {
      return json({
        jsonrpc: "2.0",
        id,
        error: { code: A2A_ERROR_CODE.INVALID_REQUEST, message: `invalid request: ${problem}` },
      });
    }
    let answer: Awaited<ReturnType<JsonRpcTransportHandler["handle"]>>;
    try {
      const context = await callContext(c, handler, "JSONRPC");
      answer = await transportOf(handler).handle(body as Record<string, unknown>, context);
    } catch (err) {
      return errorAnswer(id, err);
    }
    if (!(Symbol.asyncIterator in answer)) return json(answer);
    return sseResponse(
      answer,
      deps,
      (event) => event,
      (err) => errorAnswer(id, err),
      (err) => ({
        jsonrpc: "2.0",
        id: id ?? null,
        error: JsonRpcTransportHandler.mapToJSONRPCError(toA2AError(err, deps.logger)),
      }),
    );
  };
}

/** Parses a whole-number query parameter, or refuses it naming it. */
function wholeNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^\d{1,9}$/.test(value.trim())) {
    throw new RequestMalformedError(`${name} must be a whole number`);
  }
  return Number(value.trim());
}

/**
 * A ListTasks answer as JSON, with the fields A2A requires written even when empty
 * (protobuf's JSON leaves out an empty list, an empty string and a 0), and, when
 * artifacts were asked for, an `artifacts` list on every task: as JSON-RPC answers.
 */
function listTasksJson(result: ListTasksResponse, includeArtifacts: boolean) {
  const body = ListTasksResponse.toJSON(result) as Record<string, unknown>;
  const tasks = Array.isArray(body.tasks) ? (body.tasks as Record<string, unknown>[]) : [];
  return {
    ...body,
    tasks: includeArtifacts ? tasks.map((task) => ({ artifacts: [], ...task })) : tasks,
    nextPageToken: body.nextPageToken ?? "",
    pageSize: body.pageSize ?? 0,
    totalSize: body.totalSize ?? 0,
  };
}

/** The HTTP+JSON (REST) binding of one agent, for the path after `<base>rest`. */
export function restBinding(deps: TransportDeps) {
  const errorAnswer = (err: unknown) => {
    const error = toA2AError(err, deps.logger);
    const status = restStatusFor(error);
    return json(toRestErrorBody(error, status), status);
  };
  const readJson = async (c: Context): Promise<unknown> => {
    const type = mediaType(c);
    if (type !== undefined && type !== "application/json" && type !== "application/a2a+json") {
      throw new ContentTypeNotSupportedError(
        `expected application/json or application/a2a+json, not ${type.slice(0, 80)}`,
      );
    }
    const text = await deps.readBody(c);
    if (text.trim() === "") return {};
    try {
      return JSON.parse(text);
    } catch {
      throw new RequestMalformedError("the body is not JSON");
    }
  };
  const stream = (events: AsyncGenerator<StreamResponse, void, undefined>) =>
    sseResponse(
      events,
      deps,
      (event) => StreamResponse.toJSON(event),
      errorAnswer,
      (err) => {
        const error = toA2AError(err, deps.logger);
        return toRestErrorBody(error, restStatusFor(error));
      },
    );

  return async (c: Context, handler: AgentRequestHandler, path: string): Promise<Response> => {
    try {
      const context = await callContext(c, handler, "HTTP+JSON");
      const method = c.req.method;
      const task = /^\/tasks\/([^/:]+)(:cancel|:subscribe)?$/.exec(path);
      const configs = /^\/tasks\/([^/:]+)\/pushNotificationConfigs(?:\/([^/]+))?$/.exec(path);
      if (method === "POST" && path === "/message:send") {
        const params = SendMessageRequest.fromJSON(await readJson(c));
        const result = await handler.sendMessage(params, context);
        const payload =
          "messageId" in result
            ? { $case: "message" as const, value: result as Message }
            : { $case: "task" as const, value: result as Task };
        return json(SendMessageResponse.toJSON({ payload }));
      }
      if (method === "POST" && path === "/message:stream") {
        const params = SendMessageRequest.fromJSON(await readJson(c));
        return stream(handler.sendMessageStream(params, context));
      }
      if (path === "/tasks" && method === "GET") {
        const q = (name: string) => c.req.query(name);
        const status = q("status");
        const params = ListTasksRequest.fromJSON({
          contextId: q("contextId") ?? "",
          ...(status ? { status: /^\d+$/.test(status) ? Number(status) : status } : {}),
          pageToken: q("pageToken") ?? "",
          ...(q("statusTimestampAfter") ? { statusTimestampAfter: q("statusTimestampAfter") } : {}),
        });
        const pageSize = wholeNumber(q("pageSize"), "pageSize");
        const historyLength = wholeNumber(q("historyLength"), "historyLength");
        const includeArtifacts = q("includeArtifacts") === "true";
        const result = await handler.listTasks(
          {
            ...params,
            ...(pageSize !== undefined ? { pageSize } : {}),
            ...(historyLength !== undefined ? { historyLength } : {}),
            includeArtifacts,
          },
          context,
        );
        return json(listTasksJson(result, includeArtifacts));
      }
      if (task) {
        const id = task[1] ?? "";
        const action = task[2];
        if (action === ":cancel" && method === "POST") {
          const result = await handler.cancelTask({ tenant: "", id, metadata: undefined }, context);
          return json(Task.toJSON(result));
        }
        if (action === ":subscribe" && (method === "GET" || method === "POST")) {
          return stream(handler.resubscribe({ tenant: "", id }, context));
        }
        if (action === undefined && method === "GET") {
          const historyLength = wholeNumber(c.req.query("historyLength"), "historyLength");
          const result = await handler.getTask(
            { tenant: "", id, ...(historyLength !== undefined ? { historyLength } : {}) },
            context,
          );
          return json(Task.toJSON(result));
        }
      }
      if (configs) {
        const taskId = configs[1] ?? "";
        const id = configs[2];
        if (id === undefined && method === "POST") {
          const body = await readJson(c);
          const params = TaskPushNotificationConfig.fromJSON({
            ...(typeof body === "object" && body !== null ? body : {}),
            taskId,
          });
          const result = await handler.createTaskPushNotificationConfig(params, context);
          return json(TaskPushNotificationConfig.toJSON(result), 201);
        }
        if (id === undefined && method === "GET") {
          const result = await handler.listTaskPushNotificationConfigs(
            { tenant: "", taskId, pageSize: 0, pageToken: "" },
            context,
          );
          return json(ListTaskPushNotificationConfigsResponse.toJSON(result));
        }
        if (id !== undefined && method === "GET") {
          const result = await handler.getTaskPushNotificationConfig(
            { tenant: "", taskId, id },
            context,
          );
          return json(TaskPushNotificationConfig.toJSON(result));
        }
        if (id !== undefined && method === "DELETE") {
          await handler.deleteTaskPushNotificationConfig({ tenant: "", taskId, id }, context);
          return new Response(null, { status: 204 });
        }
      }
      if (path === "/extendedAgentCard" && method === "GET") {
        return json(
          AgentCard.toJSON(
            await handler.getAuthenticatedExtendedAgentCard({ tenant: "" }, context),
          ),
        );
      }
      const message = `no operation ${method} ${path}`;
      return json({ error: { code: 404, status: "NOT_FOUND", message, details: [] } }, 404);
    } catch (err) {
      return errorAnswer(err);
    }
  };
}
