/** `acp agents` and `acp descriptor`: what agents a server offers. */
import type { Command } from "commander";
import type { Agent } from "../../models/agents.js";
import { resolveAgent, type ServerOptions, withClient } from "../connect.js";
import type { CliContext } from "../context.js";
import { nonEmpty } from "../non-empty.js";
import { printRecords } from "../print.js";

const agentLine = (a: Agent) =>
  `${a.agent_id}  ${a.metadata.ref.name}@${a.metadata.ref.version}  ${a.metadata.description}`;

/** Adds the agent discovery commands. */
export function registerAgents(program: Command, ctx: CliContext): void {
  program
    .command("agents")
    .description("list the agents of the server")
    .option("--name <name>", "only agents with this name")
    .action(async (opts: { name?: string }, cmd: Command) => {
      await withClient(cmd.optsWithGlobals<ServerOptions>(), ctx.io, async (client) => {
        const agents = await client.searchAgents(opts.name ? { name: opts.name } : {});
        printRecords(ctx.io, agents, agentLine);
      });
    });
  program
    .command("descriptor")
    .description("print the ACP descriptor of an agent")
    .argument("<agent>", "an agent id, name, or name@version", nonEmpty("the agent"))
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      await withClient(cmd.optsWithGlobals<ServerOptions>(), ctx.io, async (client) => {
        const agent = await resolveAgent(client, ref);
        const descriptor = await client.getAcpDescriptorById(agent.agent_id);
        ctx.io.stdout.write(`${JSON.stringify(descriptor, null, 2)}\n`);
      });
    });
}
