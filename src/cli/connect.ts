/**
 * Connecting to an ACP server from the command line: where it is (`--url` or
 * `ACP_URL`), the key (`--api-key` or `ACP_API_KEY`, sent as `x-api-key`), and
 * turning an agent's name into its id.
 */
import { Option } from "commander";
import { ApiException } from "../core/errors.js";
import { SecretRedactor } from "../core/redact.js";
import type { ACPClient } from "../index.js";
import type { Agent } from "../models/agents.js";
import { CliError } from "./cli-error.js";
import type { CliIo } from "./io.js";

/** The options every server-talking command accepts. */
export interface ServerOptions {
  url?: string;
  apiKey?: string;
  debug?: boolean;
}

/** `--api-key`, for the commands that talk to a server and for `serve`. */
export const apiKeyOption = (what: string): Option =>
  new Option(
    "--api-key <key>",
    `${what} (default: ACP_API_KEY, which keeps the key out of the process list)`,
  );

/** The API key from `--api-key` or the environment, if any; kept out of every message. */
export const apiKeyOf = (opts: { apiKey?: string }, io: CliIo): string | undefined =>
  opts.apiKey || io.env.ACP_API_KEY || undefined;

/**
 * Every key this command line carries, wherever it was given: what is redacted from
 * anything printed, read straight from the arguments so that it holds also when
 * parsing them fails.
 */
export function secretsOf(argv: readonly string[], io: CliIo): string[] {
  const secrets = [io.env.ACP_API_KEY];
  argv.forEach((arg, i) => {
    if (arg === "--api-key") secrets.push(argv[i + 1]);
    else if (arg.startsWith("--api-key=")) secrets.push(arg.slice("--api-key=".length));
  });
  return secrets.filter((s): s is string => typeof s === "string" && s.length > 0);
}

/** The server's base URL: `--url`, then `ACP_URL`. */
function serverUrlOf(opts: ServerOptions, io: CliIo): string {
  const url = opts.url ?? io.env.ACP_URL;
  if (!url) throw new CliError("no ACP server given: pass --url URL or set ACP_URL");
  if (!/^https?:\/\//.test(url)) {
    throw new CliError(`--url must be an http:// or https:// URL, got ${JSON.stringify(url)}`);
  }
  return url;
}

/**
 * A client for the server `opts` name. The client is loaded only here, so commands
 * that need no server never load it.
 */
export async function connect(opts: ServerOptions, io: CliIo): Promise<ACPClient> {
  const host = serverUrlOf(opts, io);
  const { ACPClient, ApiClientConfiguration } = await import("../index.js");
  const key = apiKeyOf(opts, io);
  const redactor = new SecretRedactor(key ? [key] : []);
  const configuration = new ApiClientConfiguration({
    host,
    ...(key ? { apiKey: { "x-api-key": key } } : {}),
    debug: opts.debug === true,
    logger: { debug: (message: string) => io.stderr.write(`${redactor.redact(message)}\n`) },
  });
  return new ACPClient({ configuration });
}

/** Runs `use` with a client on the server `opts` name, and closes the client after it. */
export async function withClient<T>(
  opts: ServerOptions,
  io: CliIo,
  use: (client: ACPClient) => Promise<T>,
): Promise<T> {
  const client = await connect(opts, io);
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

const isMissing = (err: unknown) =>
  err instanceof ApiException && (err.status === 404 || err.status === 422);

/**
 * The agent `ref` names: an agent id, or a name (optionally `name@version`)
 * looked up with `searchAgents`. Fails when no agent, or more than one, matches.
 */
export async function resolveAgent(client: ACPClient, ref: string): Promise<Agent> {
  try {
    return await client.getAgentById(ref);
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
  const at = ref.lastIndexOf("@");
  const name = at > 0 ? ref.slice(0, at) : ref;
  const version = at > 0 ? ref.slice(at + 1) : undefined;
  const found = (await client.searchAgents({ name, ...(version ? { version } : {}) })).filter(
    (a) => a.metadata.ref.name === name && (!version || a.metadata.ref.version === version),
  );
  const [only, ...others] = found;
  if (!only) throw new CliError(`no agent with id or name ${JSON.stringify(ref)}`);
  if (others.length > 0) {
    const versions = found.map((a) => a.metadata.ref.version).join(", ");
    throw new CliError(
      `${found.length} agents are named ${JSON.stringify(name)} (versions ${versions}): give name@version or an agent id`,
    );
  }
  return only;
}
