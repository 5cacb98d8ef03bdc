/**
 * JSON text byte for byte as the Python reference server writes it. Two writers
 * are in play there:
 *
 * - FastAPI's `JSONResponse` renders answers with
 *   `json.dumps(..., ensure_ascii=False, separators=(",", ":"))`: compact, non-ASCII
 *   as is (`fastapiJson`).
 * - The SSE `data:` of a stream event is the generated model's `to_json()`, a plain
 *   `json.dumps(...)`: `", "` and `": "` separators and every character outside
 *   space..`~` escaped as `\uXXXX`, lower-case hex, astral ones as surrogate pairs
 *   (`pythonJson`).
 *
 * Numbers follow Python's `repr`: a whole number is an `int`; any other float uses
 * scientific notation below 1e-4 and from 1e16 on (`1e-05`, `1e+16`). Keys keep their
 * insertion order, which is the pydantic field order when the caller builds objects
 * in that order.
 */

/** `json.dumps(value)` with Python's defaults. */
export function pythonJson(value: unknown): string {
  return encode(value, true, ", ", ": ");
}

/** The body FastAPI's `JSONResponse` renders for `value`. */
export function fastapiJson(value: unknown): string {
  return encode(value, false, ",", ":");
}

function encode(value: unknown, ascii: boolean, item: string, key: string): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      return pythonNumber(value);
    case "string":
      return pythonString(value, ascii);
    case "object": {
      if (Array.isArray(value)) {
        return `[${value.map((v) => encode(v, ascii, item, key)).join(item)}]`;
      }
      const entries = Object.entries(value as Record<string, unknown>).map(
        ([k, v]) => `${pythonString(k, ascii)}${key}${encode(v, ascii, item, key)}`,
      );
      return `{${entries.join(item)}}`;
    }
    default:
      throw new TypeError(`not JSON: ${typeof value}`);
  }
}

function pythonNumber(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`Python's json refuses ${n} here (allow_nan=False)`);
  if (Number.isSafeInteger(n)) return String(n);
  const [digits = "", exp = "0"] = n.toExponential().split("e");
  const exponent = Number(exp);
  if (exponent < -4 || exponent >= 16) {
    const sign = exponent < 0 ? "-" : "+";
    return `${digits}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return String(n);
}

const shortEscapes: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

function pythonString(text: string, ascii: boolean): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    const code = text.charCodeAt(i);
    const short = shortEscapes[ch];
    if (short) out += short;
    else if (code < 0x20 || (ascii && code > 0x7e)) {
      out += `\\u${code.toString(16).padStart(4, "0")}`;
    } else out += ch;
  }
  return `${out}"`;
}
