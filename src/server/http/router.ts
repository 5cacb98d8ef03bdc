import type { Context, Hono } from "hono";
import { z } from "zod";
import { type OperationName, type Operations, operations } from "../../operations.js";
import { InvalidRequestError } from "../errors.js";
import { readBodyText } from "./body.js";
import { rememberOperation } from "./error-status.js";

/** The body type of an operation, read off its client method's arguments. */
export type BodyOf<N extends OperationName> =
  ReturnType<Operations[N]["args"]> extends { body: infer B } ? B : undefined;

/** The path parameters of an operation, read off its client method's arguments. */
export type PathOf<N extends OperationName> =
  ReturnType<Operations[N]["args"]> extends { path: infer P } ? P : Record<string, never>;

/** What a handler answers for an operation: its response model, or nothing for a 204. */
export type ResponseOf<N extends OperationName> = Operations[N]["response"] extends z.ZodType
  ? z.output<Operations[N]["response"]>
  : undefined;

/** A request after the router has checked it against the operation's schemas. */
export interface HandlerRequest<N extends OperationName> {
  /** Path parameters, by name. */
  path: PathOf<N>;
  /** Query parameters, parsed to their types. */
  query: ParsedQuery;
  /** The body, parsed with the operation's zod schema. */
  body: BodyOf<N>;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
  /** The Hono context, for streaming answers. */
  context: Context;
}

/** The query parameters the protocol defines, parsed. */
export interface ParsedQuery {
  wait?: boolean;
  action?: "interrupt" | "rollback";
  limit?: number;
  offset?: number;
  before?: string;
}

/** Handles one operation: returns its response model, or a ready `Response` (a stream). */
export type Handler<N extends OperationName> = (
  request: HandlerRequest<N>,
) => Promise<ResponseOf<N> | Response> | ResponseOf<N> | Response;

/** One handler per operation of the table. */
export type Handlers = { [N in OperationName]: Handler<N> };

const querySchemas: Record<string, z.ZodType> = {
  wait: z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1"),
  action: z.enum(["interrupt", "rollback"]),
  limit: z.coerce.number().int().min(1).max(1000),
  offset: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  before: z.string().min(1).max(256),
};

/** What a path parameter must look like to name anything the server holds. */
export interface IdForm {
  test(value: string): boolean;
  /** What it must be, for the error: "a UUID". */
  expected: string;
}

/**
 * Registers every operation of the table on `app`: the path template becomes a Hono
 * path, path and query parameters and the body are checked against the table's
 * schemas (422 naming the field), and the handler's answer is sent with the
 * operation's success status.
 *
 * A path id of the wrong form (see `idForms`) names nothing: it is answered 422, the
 * spec's answer to a parameter that fails its schema, where the operation declares
 * 422, and 404 where it declares only 404.
 */
export function registerOperations(
  app: Hono,
  handlers: Handlers,
  idForms: Readonly<Record<string, IdForm>>,
  maxBodyBytes: number,
): void {
  // Routes with fewer parameters first, so `/runs/search` wins over `/runs/{run_id}`.
  const names = (Object.keys(operations) as OperationName[]).sort(
    (a, b) => operations[a].pathParams.length - operations[b].pathParams.length,
  );
  for (const name of names) {
    const op = operations[name];
    const honoPath = op.path.replace(/\{(\w+)\}/g, ":$1");
    const handler = handlers[name] as Handler<OperationName>;
    const bodySchema = op.body && knownFieldsOnly(op.body);
    app.on(op.method, honoPath, async (c) => {
      rememberOperation(c, name);
      const path: Record<string, string> = {};
      for (const param of op.pathParams) {
        const value = c.req.param(param) ?? "";
        const form = idForms[param];
        if (form && !form.test(value)) {
          const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value;
          throw new InvalidRequestError(`${param} ${shown} is not ${form.expected}`, param);
        }
        path[param] = value;
      }
      const query = parseQuery(c, op.queryParams);
      const body = bodySchema ? await parseBody(c, bodySchema, maxBodyBytes) : undefined;
      const result = await handler({
        path: path as PathOf<OperationName>,
        query,
        body: body as BodyOf<OperationName>,
        // Made when a handler asks for it: it costs an AbortController per request.
        get signal() {
          return c.req.raw.signal;
        },
        context: c,
      });
      if (result instanceof Response) return result;
      if (op.successStatus === 204) return c.body(null, 204);
      return c.json(result as unknown as object, 200);
    });
  }
}

/**
 * The schema a request body is read with: the operation's, keeping only the fields it
 * names. The models accept fields they do not name, to read any server's answers;
 * a field of a request that the server does not know is dropped instead, so it is
 * never stored, sent back or walked unchecked by the `jsonLimits`. The fields kept are checked against those limits
 * where they are used: `input`, `config`, `metadata`, `values`, `messages`, a resume
 * payload, a search's filters.
 */
function knownFieldsOnly(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodObject ? z.object(schema.shape) : schema;
}

/** The query of an operation that takes no query parameters (never changed). */
const NO_QUERY: ParsedQuery = Object.freeze({});

function parseQuery(c: Context, names: readonly string[]): ParsedQuery {
  if (names.length === 0) return NO_QUERY;
  const query: Record<string, unknown> = {};
  for (const name of names) {
    const raw = c.req.query(name);
    if (raw === undefined) continue;
    const schema = querySchemas[name] as z.ZodType;
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      throw new InvalidRequestError(
        `query parameter ${name}: ${parsed.error.issues[0]?.message ?? "is invalid"}`,
        name,
      );
    }
    query[name] = parsed.data;
  }
  return query as ParsedQuery;
}

async function parseBody(c: Context, schema: z.ZodType, maxBytes: number): Promise<unknown> {
  const type = c.req.header("content-type");
  // Another media type is a request the operation's schema refuses: the spec declares
  // 422 for that, not 415.
  if (type !== undefined && !/^application\/([\w.+-]+\+)?json\b/i.test(type.trim())) {
    throw new InvalidRequestError(
      `the request body must be application/json, not ${type.slice(0, 80)}`,
    );
  }
  const text = await readBodyText(c, maxBytes);
  if (text.trim() === "") throw new InvalidRequestError("the request needs a JSON body");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidRequestError(`the request body is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${["body", ...i.path.map(String)].join(".")}: ${i.message}`);
    const first = parsed.error.issues[0];
    throw new InvalidRequestError(
      `invalid request body: ${problems.join("; ")}`,
      first ? ["body", ...first.path.map(String)].join(".") : undefined,
    );
  }
  return parsed.data;
}
