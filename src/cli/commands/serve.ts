/**
 * `acp serve MODULE`: serves the graphs a JavaScript module exports with this
 * project's ACP server.
 *
 * The module exports its agents as `export const agents = [{ graph, descriptor }]`
 * or as its default export (an array, or one `{ graph, descriptor }`). `graph`
 * is a compiled LangGraph.js graph, `descriptor` its ACP descriptor or an agent
 * manifest, and an optional `agentId` fixes the agent's id. The module must be
 * one Node can import (`.js`, `.mjs`, `.cjs`). When `ACP_API_KEY` is set, every
 * request must carry it in `x-api-key`.
 */

import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Command } from "commander";
import type { ACPAgentOptions } from "../../server/index.js";
import { CliError } from "../cli-error.js";
import { apiKeyOf } from "../connect.js";
import type { CliContext } from "../context.js";
import { say } from "../io.js";
import { wholeNumber } from "../whole-number.js";

const moduleShapeHelp = `
The module exports its agents in one of these ways:
  export const agents = [{ graph, descriptor }, ...];
  export default [{ graph, descriptor }, ...];
  export default { graph, descriptor };
graph is a compiled LangGraph.js graph; descriptor its ACP descriptor (or an agent
manifest); an optional agentId fixes the agent's id. When ACP_API_KEY is set,
every request must carry it in the x-api-key header.`;

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

function portOf(value: string): number {
  return wholeNumber("--port", value, 0, 65535);
}

/** Adds `acp serve`. */
export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command("serve")
    .description("serve the LangGraph.js graphs a module exports as ACP agents")
    .argument("<module>", "a JavaScript module that exports its agents")
    .option("--port <port>", "the port to listen on (0 picks a free one)", "8000")
    .option("--host <address>", "the address to listen on", "127.0.0.1")
    .addHelpText("after", moduleShapeHelp)
    .action(async (modulePath: string, opts: { port: string; host: string }) => {
      const port = portOf(opts.port);
      let mod: Record<string, unknown>;
      try {
        mod = await import(pathToFileURL(resolve(modulePath)).href);
      } catch (err) {
        const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
        throw new CliError(`cannot load ${modulePath}: ${why}`);
      }
      const agents = agentsOf(mod, modulePath);
      const { serveACP } = await import("../../server/index.js");
      const apiKey = apiKeyOf(ctx.io);
      const running = await serveACP({
        agents,
        port,
        hostname: opts.host,
        ...(apiKey ? { apiKey } : {}),
        logger: { warn: (message: string) => ctx.io.stderr.write(`${message}\n`) },
      });
      const names = agents.map((a) =>
        String(
          (a.descriptor as { metadata?: { ref?: { name?: string } } }).metadata?.ref?.name ??
            "agent",
        ),
      );
      say(
        ctx.io,
        `serving ${names.join(", ")} on ${running.url}${apiKey ? " (x-api-key required)" : ""}`,
      );
      await new Promise<void>((done) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          running.close().then(done, done);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
