/**
 * `acp serve MODULE`: serves the graphs a module exports with this project's ACP
 * server.
 *
 * The module exports its agents as `export const agents = [{ graph, descriptor }]`
 * or as its default export (an array, or one `{ graph, descriptor }`). `graph`
 * is a compiled LangGraph.js graph, `descriptor` its ACP descriptor or an agent
 * manifest, and an optional `agentId` fixes the agent's id. JavaScript modules are
 * imported as they are, TypeScript ones through tsx. With `--api-key` (or
 * `ACP_API_KEY`), every request must carry the key in `x-api-key`.
 */

import { type Command, Option } from "commander";
import { messageOf } from "../../core/message-of.js";
import type { Agent } from "../../models/agents.js";
import type { ACPAgentOptions, InterruptPayloadShape } from "../../server/index.js";
import { CliError } from "../cli-error.js";
import { apiKeyOf, apiKeyOption } from "../connect.js";
import type { CliContext } from "../context.js";
import { say } from "../io.js";
import { loadModule } from "../load-module.js";
import { wholeNumber } from "../whole-number.js";

const moduleShapeHelp = `
The module (JavaScript, or TypeScript when tsx is installed) exports its agents
in one of these ways:
  export const agents = [{ graph, descriptor }, ...];
  export default [{ graph, descriptor }, ...];
  export default { graph, descriptor };
graph is a compiled LangGraph.js graph; descriptor its ACP descriptor (or an agent
manifest); an optional agentId fixes the agent's id.`;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object";
/** The agents module `mod` exports, checked for shape. */
export function agentsOf(mod: Record<string, unknown>, name: string): ACPAgentOptions[] {
  const exported = mod.agents ?? mod.default;
  const list = Array.isArray(exported) ? exported : exported === undefined ? [] : [exported];
  if (list.length === 0) {
    throw new CliError(
      `${name} exports no agents: export const agents = [{ graph, descriptor }] or a default export`,
    );
  }
  list.forEach((agent, i) => {
    const where = `${name}: agents[${i}]`;
    if (!isObject(agent)) throw new CliError(`${where} is not an object`);
    if (!isObject(agent.graph) || typeof agent.graph.invoke !== "function") {
      throw new CliError(`${where}.graph is not a compiled LangGraph.js graph`);
    }
    if (!isObject(agent.descriptor)) throw new CliError(`${where}.descriptor is missing`);
  });
  return list as ACPAgentOptions[];
}

interface ServeOptions {
  port: string;
  listen?: string;
  apiKey?: string;
  postgres?: string;
  sqlite?: string;
  interruptPayloadShape: InterruptPayloadShape;
  keepAliveTimeout?: string;
  headersTimeout?: string;
  requestTimeout?: string;
  /** False with `--no-a2a`. */
  a2a: boolean;
  publicUrl?: string;
  otlpEndpoint?: string;
  ui?: boolean;
  /** Every `--cors-origin` given. */
  corsOrigin: string[];
  streamLanggraph?: boolean;
}

/** The longest time limit a flag takes, in ms: Node's timers go no further. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** The listener's time limits the flags give; those not given keep the server's defaults. */
function timeoutsOf(opts: ServeOptions) {
  const ms = (flag: string, value: string | undefined, min: number) =>
    value === undefined ? undefined : wholeNumber(flag, value, min, MAX_TIMEOUT_MS);
  const limits = {
    keepAliveTimeout: ms("--keep-alive-timeout", opts.keepAliveTimeout, 1),
    headersTimeout: ms("--headers-timeout", opts.headersTimeout, 1),
    requestTimeout: ms("--request-timeout", opts.requestTimeout, 0),
  };
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
}

const SQLITE_SAVER = "@langchain/langgraph-checkpoint-sqlite";

/**
 * What `--sqlite FILE` serves on: the SQLite store for runs and threads and LangGraph's
 * `SqliteSaver` for graph state, in the one file, so that all of it survives a restart.
 */
async function sqliteStorage(file: string, logger: { warn(message: string): void }) {
  const { sqliteStore } = await import("../../server/index.js");
  let saverModule: typeof import("@langchain/langgraph-checkpoint-sqlite");
  try {
    saverModule = await import(SQLITE_SAVER);
  } catch {
    throw new CliError(
      `--sqlite keeps graph state with the package ${SQLITE_SAVER}: npm install ${SQLITE_SAVER} better-sqlite3@12`,
    );
  }
  const store = sqliteStore(file, { logger });
  return { store, checkpointer: saverModule.SqliteSaver.fromConnString(file) };
}

/** The agents the server offers, as its own `/agents/search` answers. */
async function servedAgents(
  fetch: (request: Request) => Promise<Response>,
  url: string,
  apiKey: string | undefined,
): Promise<Agent[]> {
  const response = await fetch(
    new Request(`${url}/agents/search`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(apiKey ? { "x-api-key": apiKey } : {}) },
      body: "{}",
    }),
  );
  return (await response.json()) as Agent[];
}

/**
 * Starts exporting spans when `--otlp-endpoint` or the standard variables ask for it:
 * to the flag's (or `OTEL_EXPORTER_OTLP_ENDPOINT`'s) `/v1/traces`, or to
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as it is.
 */
async function otlpExport(opts: ServeOptions, ctx: CliContext) {
  const env = ctx.io.env;
  if (env.OTEL_SDK_DISABLED === "true") return undefined;
  const base = opts.otlpEndpoint ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesUrl =
    opts.otlpEndpoint === undefined && env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
      ? env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
      : base
        ? `${base.replace(/\/+$/, "")}/v1/traces`
        : undefined;
  if (!tracesUrl) return undefined;
  const { startOtlpExport } = await import("../../core/tracing-otlp.js");
  try {
    return await startOtlpExport({ tracesUrl, serviceName: env.OTEL_SERVICE_NAME || "acp-server" });
  } catch (error) {
    throw new CliError(messageOf(error));
  }
}

/** Adds `acp serve`. */
export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command("serve")
    .description("serve the LangGraph.js graphs a module exports as ACP agents")
    .argument("<module>", "a JavaScript or TypeScript module that exports its agents")
    .option("--listen <address>", 'the address to listen on (default: "127.0.0.1")')
    .option("--port <port>", "the port to listen on (0 picks a free one)", "8000")
    .addOption(apiKeyOption("the key every request must carry in x-api-key"))
    .option(
      "--postgres <url>",
      "keep runs, threads and graph state in this PostgreSQL database, shared by every replica started on it (default: DATABASE_URL)",
    )
    .option(
      "--sqlite <file>",
      "keep runs, threads and graph state in this SQLite file, so that they survive a restart (one process; default: in memory)",
    )
    .addOption(
      new Option(
        "--interrupt-payload-shape <shape>",
        "how wait answers carry an interrupt: as the spec says, or wrapped by interrupt type as the Python reference server does (for Python ACPNode callers)",
      )
        .choices(["spec", "reference"])
        .default("spec"),
    )
    .option(
      "--keep-alive-timeout <ms>",
      "close a connection idle this long between requests (default: 5000)",
    )
    .option(
      "--headers-timeout <ms>",
      "answer 408 and close a connection whose request headers take longer (default: 30000)",
    )
    .option(
      "--request-timeout <ms>",
      "answer 408 and close a connection whose whole request takes longer to arrive; answers and event streams are not limited by it; 0 for none (default: 300000)",
    )
    .option("--no-a2a", "serve ACP only, not A2A v1.0 beside it")
    .option(
      "--public-url <url>",
      "the URL clients reach the server at behind a proxy, written into the A2A agent cards (default: each request's own)",
    )
    .option(
      "--otlp-endpoint <url>",
      "export spans over OTLP/HTTP to this collector (its /v1/traces); by default when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set",
    )
    .option(
      "--ui",
      "serve the playground page at /ui: the agents, runs, interrupts and threads in a browser",
    )
    .option(
      "--cors-origin <origin>",
      "let browser pages on this origin (e.g. https://app.example.com) call the API; repeat for more, * for any (default: none; the playground needs none)",
      (origin: string, previous: string[]) => [...previous, origin],
      [],
    )
    .option(
      "--stream-langgraph",
      "let runs ask for LangGraph's messages (tokens) and updates stream modes, as custom events (config.configurable.langgraph_stream_mode), for every agent of the module",
    )
    .addHelpText("after", moduleShapeHelp)
    .action(async (modulePath: string, opts: ServeOptions) => {
      const port = wholeNumber("--port", opts.port, 0, 65535);
      const timeouts = timeoutsOf(opts);
      const loaded = agentsOf(await loadModule(modulePath), modulePath);
      const agents =
        opts.streamLanggraph === true
          ? loaded.map((agent) => ({ ...agent, streamLangGraph: true }))
          : loaded;
      const { serveACP, postgresStore } = await import("../../server/index.js");
      // A key given but empty is a slip, not a wish to serve without a key.
      const given = opts.apiKey ?? ctx.io.env.ACP_API_KEY;
      if (given !== undefined && given.trim() === "") {
        const source =
          opts.apiKey === undefined ? "ACP_API_KEY is set but empty" : "--api-key is empty";
        throw new CliError(`${source}: give a key, or none to serve without one`);
      }
      const apiKey = apiKeyOf(opts, ctx.io);
      const logger = { warn: (message: string) => ctx.io.stderr.write(`${message}\n`) };
      if (opts.sqlite !== undefined && opts.postgres !== undefined) {
        throw new CliError("--sqlite and --postgres each name the server's store: give one");
      }
      if (opts.sqlite !== undefined && opts.sqlite.trim() === "") {
        throw new CliError("--sqlite needs a file name");
      }
      // The URL may hold a password: it is never printed. An explicit --sqlite wins over
      // a DATABASE_URL in the environment.
      const databaseUrl =
        opts.sqlite === undefined
          ? opts.postgres || ctx.io.env.DATABASE_URL || undefined
          : undefined;
      const storage = databaseUrl
        ? { store: postgresStore(databaseUrl, { logger }) }
        : opts.sqlite !== undefined
          ? await sqliteStorage(opts.sqlite, logger)
          : {};
      const tracing = await otlpExport(opts, ctx);
      const running = await serveACP({
        agents,
        port,
        hostname: opts.listen ?? "127.0.0.1",
        ...(apiKey ? { apiKey } : {}),
        ...storage,
        interruptPayloadShape: opts.interruptPayloadShape,
        ...timeouts,
        a2a: opts.a2a,
        ...(opts.publicUrl !== undefined ? { publicUrl: opts.publicUrl } : {}),
        ...(opts.ui === true ? { ui: true } : {}),
        ...(opts.corsOrigin.length > 0
          ? { cors: { origins: opts.corsOrigin.includes("*") ? "*" : opts.corsOrigin } }
          : {}),
        logger,
      });
      say(ctx.io, `serving on ${running.url}${apiKey ? " (x-api-key required)" : ""}`);
      for (const agent of await servedAgents(running.server.fetch, running.url, apiKey)) {
        const { name, version } = agent.metadata.ref;
        say(ctx.io, `  ${name}@${version}  agent id ${agent.agent_id}`);
        if (opts.a2a) {
          // The base URL keeps its trailing slash: A2A clients resolve the card under it.
          const base = (opts.publicUrl ?? running.url).replace(/\/+$/, "");
          say(ctx.io, `    A2A ${base}/a2a/${encodeURIComponent(agent.agent_id)}/`);
        }
      }
      if (opts.ui === true) {
        say(ctx.io, `  playground ${(opts.publicUrl ?? running.url).replace(/\/+$/, "")}/ui`);
      }
      if (databaseUrl)
        say(ctx.io, "  runs and threads in PostgreSQL, shared with every replica on it");
      if (opts.sqlite !== undefined)
        say(ctx.io, `  runs, threads and graph state in ${opts.sqlite}`);
      await new Promise<void>((done) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          running
            .close()
            .then(() => tracing?.shutdown())
            .then(done, done);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
