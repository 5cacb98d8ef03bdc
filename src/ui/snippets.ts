/** The call the page is about to make, written as `curl` and as TypeScript with `ACPClient`. */
import type { RunCreateStateful, RunCreateStateless } from "../index.js";

/** One streamed run as the page starts it. */
export interface RunCall {
  /** The API's base URL. */
  base: string;
  /** The thread it runs on; none for a stateless run. */
  threadId?: string | undefined;
  /** The request body. */
  body: RunCreateStateless | RunCreateStateful;
  /** Whether the server asks for a key (the snippets read it from `ACP_API_KEY`). */
  withKey: boolean;
}

/** A POSIX shell single-quoted word. */
const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** The run as a `curl` command that prints its event stream. */
export function curlOf(call: RunCall): string {
  const path = call.threadId
    ? `/threads/${encodeURIComponent(call.threadId)}/runs/stream`
    : "/runs/stream";
  const lines = [
    `curl -N -X POST ${quote(call.base + path)}`,
    `  -H 'content-type: application/json'`,
    ...(call.withKey ? [`  -H "x-api-key: $ACP_API_KEY"`] : []),
    `  --data ${quote(JSON.stringify(call.body))}`,
  ];
  return lines.join(" \\\n");
}

/** The run as a TypeScript program on the project's client. */
export function typescriptOf(call: RunCall): string {
  const body = JSON.stringify(call.body, null, 2).replace(/\n/g, "\n  ");
  const stream = call.threadId
    ? `client.createAndStreamThreadRunOutput(${JSON.stringify(call.threadId)}, ${body})`
    : `client.createAndStreamStatelessRunOutput(${body})`;
  return [
    `import { ACPClient } from "agntcy-acp";`,
    "",
    "const client = ACPClient.fromConfiguration({",
    `  host: ${JSON.stringify(call.base)},`,
    ...(call.withKey ? [`  apiKey: { "x-api-key": process.env.ACP_API_KEY ?? "" },`] : []),
    "});",
    `for await (const event of ${stream}) {`,
    "  console.log(event.data);",
    "}",
  ].join("\n");
}
