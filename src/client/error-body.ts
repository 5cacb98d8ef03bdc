/**
 * What an error answer says, in one readable line, whichever shape the server
 * gave it: the spec's `ErrorResponse` (a JSON string), FastAPI's
 * `{"detail": "..."}` and `{"detail": [{loc, msg, type}, ...]}` (its request
 * validation errors), plain text, or nothing at all.
 */
import { isRecord } from "../core/json-guards.js";

/** The longest description kept; the whole body stays on the exception. */
const MAX_LENGTH = 500;

/**
 * The description of an error answer: `data` is its body parsed as JSON (undefined
 * when it was not JSON), `body` its text.
 */
export function describeErrorBody(data: unknown, body: string): string {
  if (body.trim() === "") return "the answer has no body";
  const said = typeof data === "string" ? data : isRecord(data) ? detailOf(data) : undefined;
  const text = said ?? body.trim();
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH)}…` : text;
}

/** FastAPI's `detail`, a string or a list of validation errors; undefined for other shapes. */
function detailOf(data: Record<string, unknown>): string | undefined {
  const { detail } = data;
  if (typeof detail === "string") return detail;
  if (!Array.isArray(detail) || detail.length === 0) return undefined;
  const problems = detail.map(validationProblem);
  return problems.every((p) => p !== undefined) ? problems.join("; ") : undefined;
}

/** One pydantic validation error: `body.stream_mode: Input should be ... (model_attributes_type)`. */
function validationProblem(item: unknown): string | undefined {
  if (!isRecord(item) || typeof item.msg !== "string") return undefined;
  const where = Array.isArray(item.loc) ? locationOf(item.loc) : "";
  const kind = typeof item.type === "string" ? ` (${item.type})` : "";
  return `${where ? `${where}: ` : ""}${item.msg}${kind}`;
}

function locationOf(loc: readonly unknown[]): string {
  return loc
    .map((part, i) =>
      typeof part === "number" ? `[${part}]` : i === 0 ? String(part) : `.${part}`,
    )
    .join("");
}
