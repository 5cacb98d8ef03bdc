/**
 * Connecting to an ACP server from the command line: where it is (`--host` or
 * `ACP_HOST`), the key (`ACP_API_KEY`, sent as `x-api-key`), and turning an
 * agent's name into its id.
 */
import type { ACPClient } from "../client/acp-client.js";
import { ApiException } from "../core/errors.js";
import type { Agent } from "../models/agents.js";
import { CliError, redact } from "./cli-error.js";
import type { CliIo } from "./io.js";

/** The options every server-talking command accepts. */
export interface ServerOptions {
  host?: string;
  debug?: boolean;
}

/** The API key from the environment, if any; kept out of every message. */
export const apiKeyOf = (io: CliIo): string | undefined => io.env.ACP_API_KEY || undefined;

/**
 * A client for the server named by `--host` or `ACP_HOST`. The client is loaded
 * only here, so commands that need no server never load it.
 */
export async function connect(opts: ServerOptions, io: CliIo): Promise<ACPClient> {
  const host = opts.host ?? io.env.ACP_HOST;
  if (!host) throw new CliError("no ACP server given: pass --host URL or set ACP_HOST");
  if (!/^https?:\/\//.test(host)) {
    throw new CliError(`--host must be an http:// or https:// URL, got ${JSON.stringify(host)}`);
  }
  const { ACPClient, ApiClientConfiguration } = await import("../index.js");
  const key = apiKeyOf(io);
  const configuration = new ApiClientConfiguration({
    host,
    ...(key ? { apiKey: { "x-api-key": key } } : {}),
    debug: opts.debug === true,
    logger: { debug: (message: string) => io.stderr.write(`${redact(message, [key])}\n`) },
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
