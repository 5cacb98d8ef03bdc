/**
 * Writes src/client/acp-client.ts: `ACPClient` with one method per operation of the
 * table (src/operations.ts) and flavour, each with its own JSDoc from the table and
 * the ACP specification (spec/acp-0.2.3/openapi.json), so that "go to definition"
 * lands on code. A test fails when the file is not what this script writes.
 *
 * Usage: npm run generate:client
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { type Operation, operations } from "../src/operations.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Where the generated client goes. */
export const clientFile = resolve(root, "src/client/acp-client.ts");
const operationsFile = resolve(root, "src/operations.ts");
const specFile = resolve(root, "spec/acp-0.2.3/openapi.json");

interface SpecParameter {
  name: string;
  description?: string;
}
interface SpecOperation {
  summary?: string;
  description?: string;
  parameters?: SpecParameter[];
  responses: Record<string, unknown>;
}

/** What the table's source says of one operation: its comment and its parameters. */
interface Source {
  comment: string;
  params: { name: string; text: string; optional: boolean }[];
}

/** The comment and the `args` parameters of every entry of `operations`, read from the source. */
function readSources(): Map<string, Source> {
  const text = readFileSync(operationsFile, "utf8");
  const file = ts.createSourceFile(operationsFile, text, ts.ScriptTarget.Latest, true);
  const sources = new Map<string, Source>();
  const visit = (node: ts.Node): void => {
    const table =
      ts.isVariableDeclaration(node) && node.name.getText() === "operations" && node.initializer
        ? ts.isAsExpression(node.initializer)
          ? node.initializer.expression
          : node.initializer
        : undefined;
    if (table && ts.isObjectLiteralExpression(table)) {
      for (const prop of table.properties) {
        if (!ts.isPropertyAssignment(prop) || !ts.isCallExpression(prop.initializer)) continue;
        const [def] = prop.initializer.arguments;
        if (!def || !ts.isObjectLiteralExpression(def)) continue;
        const args = def.properties.find(
          (p): p is ts.PropertyAssignment =>
            ts.isPropertyAssignment(p) && p.name.getText() === "args",
        );
        if (!args || !ts.isArrowFunction(args.initializer)) continue;
        const comment = ts
          .getJSDocCommentsAndTags(prop)
          .map((d) => ts.getTextOfJSDocComment(d.comment) ?? "")
          .join(" ")
          .trim();
        sources.set(prop.name.getText(), {
          comment,
          params: args.initializer.parameters.map((p) => ({
            name: p.name.getText(),
            text: p.getText(),
            optional: p.questionToken !== undefined,
          })),
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return sources;
}

/** The specification's entry for an operation, with its path's parameters. */
// biome-ignore lint/suspicious/noExplicitAny: the specification is untyped JSON
function specOperation(spec: any, operation: Operation): SpecOperation {
  const item = spec.paths[operation.path];
  const entry = item?.[operation.method.toLowerCase()] as SpecOperation | undefined;
  if (!entry) throw new Error(`the specification has no ${operation.method} ${operation.path}`);
  return { ...entry, parameters: [...(item.parameters ?? []), ...(entry.parameters ?? [])] };
}

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Text safe inside a JSDoc block, one line each, without the spec's stray spacing. */
function docLines(text: string): string[] {
  return text
    .replaceAll("*/", "*\\/")
    .split("\n")
    .map((l) => l.trimEnd())
    .reduce<string[]>((out, l) => {
      if (l === "" && (out.length === 0 || out[out.length - 1] === "")) return out;
      out.push(l.replace(/ {2,}/g, " "));
      return out;
    }, [])
    .filter((l, i, all) => !(l === "" && i === all.length - 1));
}

/** The errors an operation's declared statuses raise, as `@throws` lines. */
function throwsLines(entry: SpecOperation): string[] {
  const statuses = Object.keys(entry.responses);
  const declared: Record<string, string> = {
    "404": "{NotFoundException} 404: no such agent, thread or run.",
    "409": "{ConflictException} 409: the thread is busy, or the run cannot take this in its state.",
    "422":
      "{UnprocessableEntityException} 422: the request does not match the specification or the agent's schemas.",
  };
  return [
    ...statuses.filter((s) => declared[s]).map((s) => `@throws ${declared[s]}`),
    "@throws {ServiceException} 5xx: the server failed, after the configured retries.",
    "@throws {ApiException} any other error status (`UnauthorizedException` for 401, ...).",
    "@throws {ApiConnectionError} the server could not be reached or stopped answering (`ApiTimeoutError` for a time limit).",
    "@throws {ApiValueError} the answer does not match the specification's schema.",
  ];
}

/** What each flavour of an operation returns, as code and as words. */
function returns(name: string, operation: Operation) {
  const data = operation.stream
    ? { type: "RunEventStream", words: "the run's output events, as an async iterable" }
    : operation.response === null
      ? { type: "Promise<undefined>", words: "nothing: the server answers 204" }
      : { type: `Promise<OperationData<"${name}">>`, words: "the parsed answer" };
  const inner = operation.stream ? "RunEventStream" : `OperationData<"${name}">`;
  return {
    data,
    httpInfo: {
      type: `Promise<ApiResponse<${inner}>>`,
      words: "status, headers and the parsed answer (its events, for a stream), with its raw bytes",
    },
    raw: { type: "Promise<Response>", words: "the raw `Response` of any status, its body unread" },
  } as const;
}

function renderMethod(
  name: string,
  operation: Operation,
  source: Source,
  entry: SpecOperation,
): string {
  const params = source.params.map((p) => {
    const described = entry.parameters?.find((sp) => sp.name === snake(p.name));
    const words =
      described?.description ??
      (operation.body && p.name !== "wait" && p.name !== "action"
        ? "the request body."
        : `the \`${snake(p.name)}\` parameter.`);
    return { ...p, words };
  });
  const signature = [...params.map((p) => p.text), "options?: RequestOptions"].join(", ");
  const callArgs = [...params.map((p) => p.name), "options"].join(", ");
  const flavours = returns(name, operation);
  const methods: string[] = [];
  for (const [suffix, flavour] of [
    ["", "data"],
    ["WithHttpInfo", "httpInfo"],
    ["WithoutPreloadContent", "raw"],
  ] as const) {
    const result = flavours[flavour];
    const description = entry.description ? docLines(entry.description) : [];
    const lines = [
      flavour === "data"
        ? source.comment
        : `${source.comment.replace(/\.$/, "")}: ${flavour === "raw" ? "the raw response" : "with status and headers"}.`,
      "",
      `\`${operation.method} ${operation.path}\` (\`${operation.operationId}\`).`,
      ...(flavour === "data" && description.length > 0 ? ["", ...description] : []),
      "",
      ...params.map((p) => `@param ${p.name} - ${p.words}`),
      "@param options - per-request settings: timeout, signal, headers, credentials, limits.",
      `@returns ${result.words}.`,
      ...(flavour === "raw"
        ? ["@throws {ApiConnectionError} the server could not be reached."]
        : throwsLines(entry)),
    ];
    const doc = lines.map((l) => (l === "" ? "   *" : `   * ${l}`)).join("\n");
    methods.push(
      `  /**\n${doc}\n   */\n  ${name}${suffix}(${signature}): ${result.type} {\n    return this.call("${name}", [${callArgs}], "${flavour}") as ${result.type};\n  }`,
    );
  }
  return methods.join("\n\n");
}

/** The source of src/client/acp-client.ts, formatted as the project formats code. */
export function renderClient(): string {
  const spec = JSON.parse(readFileSync(specFile, "utf8"));
  const sources = readSources();
  const typeNames = new Set<string>();
  const bodies: string[] = [];
  for (const [name, operation] of Object.entries(operations) as [string, Operation][]) {
    const source = sources.get(name);
    if (!source) throw new Error(`src/operations.ts: no args function found for ${name}`);
    for (const p of source.params)
      for (const t of p.text.match(/\b[A-Z]\w*/g) ?? []) typeNames.add(t);
    bodies.push(renderMethod(name, operation, source, specOperation(spec, operation)));
  }
  const fromOperations = [...typeNames].filter((t) => t === "CancelAction");
  const fromModels = [...typeNames].filter((t) => t !== "CancelAction").sort();
  const text = `// Generated by scripts/generate-client.ts from src/operations.ts and the ACP specification. Do not edit: run \`npm run generate:client\`.
import type { ${fromModels.join(", ")} } from "../models/index.js";
import type { ${fromOperations.join(", ")} } from "../operations.js";
import { ACPClientBase, type OperationData } from "./acp-client-base.js";
import type { RunEventStream } from "./run-stream.js";
import type { ApiResponse, RequestOptions } from "./types.js";

export { ACPClientBase, type ACPClientOptions, type Flavour, type OperationData } from "./acp-client-base.js";

/**
 * A client for every operation of the Agent Connect Protocol, in three flavours per
 * operation, as the Python reference names them: \`createStatelessRun\` (the parsed
 * answer, or a \`RunEventStream\` for a stream), \`createStatelessRunWithHttpInfo\`
 * (an \`ApiResponse\` with status and headers) and \`createStatelessRunWithoutPreloadContent\`
 * (the raw \`Response\`). The last argument of every method is \`RequestOptions\`.
 */
export class ACPClient extends ACPClientBase {
${bodies.join("\n\n")}
}

/** The async client is the same class: every method already returns a promise or async iterable. */
export const AsyncACPClient = ACPClient;
/** The async client is the same class: every method already returns a promise or async iterable. */
export type AsyncACPClient = ACPClient;
`;
  return execFileSync(
    resolve(root, "node_modules/.bin/biome"),
    ["format", `--stdin-file-path=${clientFile}`],
    {
      cwd: root,
      input: text,
      encoding: "utf8",
    },
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(clientFile, renderClient());
  console.log(`wrote ${clientFile.slice(root.length + 1)}`);
}
