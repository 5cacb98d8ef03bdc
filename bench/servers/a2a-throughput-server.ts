/**
 * The server side of benchmark 9, in a process of its own. `ours` serves the echo
 * graph with the project's server, over ACP (`/runs/wait`) and A2A (`/a2a/echo/`) at
 * once; `sdk` serves the same graph over A2A with `@a2a-js/sdk` alone (its request
 * handler, in-memory task store and express JSON-RPC handler), as a user would write
 * it by hand: an executor that runs `graph.invoke` and publishes the task, its
 * artifact and its completion. Prints `{"url": ..., "from": "dist" | "src"}`.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { AgentCard, Part, Task } from "@a2a-js/sdk";
import { TaskState } from "@a2a-js/sdk";
import {
  AgentEvent,
  type AgentExecutor,
  DefaultRequestHandler,
  type ExecutionEventBus,
  InMemoryTaskStore,
  type RequestContext,
} from "@a2a-js/sdk/server";
import { jsonRpcHandler, UserBuilder } from "@a2a-js/sdk/server/express";
import express from "express";
import { server, serverSource } from "../lib/server-module.js";
import { echoAgent, echoGraph } from "./echo-agent.js";

async function ours(): Promise<string> {
  const running = await server.serveACP({
    agents: [echoAgent()],
    port: 0,
    logger: { warn: () => undefined },
  });
  return running.url;
}

const dataPart = (value: unknown): Part => ({
  content: { $case: "data", value },
  metadata: undefined,
  filename: "",
  mediaType: "",
});

/** Runs the echo graph on the message's data part and publishes the task to its end. */
class EchoExecutor implements AgentExecutor {
  readonly #graph = echoGraph();

  async execute(context: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const ids = { taskId: context.taskId, contextId: context.contextId };
    const part = context.userMessage.parts.find((p) => p.content?.$case === "data")?.content;
    const input = part?.$case === "data" ? (part.value as { text: string }) : { text: "" };
    const task: Task = {
      id: ids.taskId,
      contextId: ids.contextId,
      status: {
        state: TaskState.TASK_STATE_WORKING,
        message: undefined,
        timestamp: new Date().toISOString(),
      },
      artifacts: [],
      history: [context.userMessage],
      metadata: undefined,
    };
    bus.publish(AgentEvent.task(task));
    const values = await this.#graph.invoke({ text: input.text });
    bus.publish(
      AgentEvent.artifactUpdate({
        ...ids,
        artifact: {
          artifactId: "output",
          name: "output",
          description: "",
          parts: [dataPart(values)],
          metadata: undefined,
          extensions: [],
        },
        append: false,
        lastChunk: true,
        metadata: undefined,
      }),
    );
    bus.publish(
      AgentEvent.statusUpdate({
        ...ids,
        status: {
          state: TaskState.TASK_STATE_COMPLETED,
          message: undefined,
          timestamp: new Date().toISOString(),
        },
        metadata: undefined,
      }),
    );
    bus.finished();
  }

  async cancelTask(): Promise<void> {}
}

async function sdk(): Promise<string> {
  const httpServer = createServer();
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const card: AgentCard = {
    name: "bench.echo",
    description: "echoes",
    version: "1.0.0",
    supportedInterfaces: [
      { url: `${url}/a2a/echo/`, protocolBinding: "JSONRPC", tenant: "", protocolVersion: "1.0" },
    ],
    provider: undefined,
    capabilities: {
      streaming: false,
      pushNotifications: false,
      extendedAgentCard: false,
      extensions: [],
    },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ["application/json"],
    defaultOutputModes: ["application/json"],
    skills: [],
    signatures: [],
  };
  const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), new EchoExecutor());
  const app = express();
  app.use(
    "/a2a/echo",
    jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }),
  );
  httpServer.on("request", app);
  httpServer.keepAliveTimeout = 60_000;
  return url;
}

const url = process.argv[2] === "ours" ? await ours() : await sdk();
process.stdout.write(`${JSON.stringify({ url, from: serverSource })}\n`);
