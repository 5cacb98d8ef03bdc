/**
 * Turns a JSON Schema into the source of a zod v4 schema with
 * json-schema-to-zod, then fixes what that converter still writes in zod v3
 * style, and keeps unknown object keys as JSON Schema allows them.
 */
import { jsonSchemaToZod } from "json-schema-to-zod";
import { inlineLocalRefs } from "./inline-refs.js";

/** Applies `fix` to the parts of `code` outside string and template literals. */
function mapOutsideStrings(code: string, fix: (segment: string) => string): string {
  let out = "";
  let start = 0;
  let i = 0;
  while (i < code.length) {
    const quote = code[i];
    if (quote === '"' || quote === "'" || quote === "`") {
      out += fix(code.slice(start, i));
      let j = i + 1;
      while (j < code.length && code[j] !== quote) j += code[j] === "\\" ? 2 : 1;
      out += code.slice(i, j + 1);
      i = j + 1;
      start = i;
    } else {
      i += 1;
    }
  }
  return out + fix(code.slice(start));
}

const messageArg = (message: string | undefined) => (message ? `{ message: ${message} }` : "");
const jsonString = String.raw`"(?:[^"\\]|\\.)*"`;

/** The zod v3 idioms json-schema-to-zod still emits, rewritten for zod v4. */
function toZodV4(code: string): string {
  const fixed = code
    .replace(
      new RegExp(
        String.raw`z\.string\(\)\.ip\(\{ version: "v(4|6)"(?:, message: (${jsonString}))? \}\)`,
        "g",
      ),
      (_, v: string, message?: string) => `z.ipv${v}(${messageArg(message)})`,
    )
    .replace(
      new RegExp(String.raw`z\.string\(\)\.ip\((${jsonString})?\)`, "g"),
      (_, message?: string) =>
        `z.union([z.ipv4(${messageArg(message)}), z.ipv6(${messageArg(message)})])`,
    );
  return mapOutsideStrings(fixed, (segment) =>
    segment
      .replace(
        /result\.error\.errors\.forEach\(\(error\) => ctx\.addIssue\(error\)\)/g,
        'result.error.issues.forEach((issue) => ctx.addIssue({ code: "custom", message: issue.message, path: [...issue.path] }))',
      )
      .replace(/\bz\.object\(/g, "z.looseObject("),
  );
}

/** The source of a zod v4 schema (an expression using `z`) equivalent to `schema`. */
export function zodSourceFor(schema: unknown): string {
  const inlined = inlineLocalRefs(schema) as Parameters<typeof jsonSchemaToZod>[0];
  return toZodV4(jsonSchemaToZod(inlined, { module: "none", zodVersion: 4 }));
}
