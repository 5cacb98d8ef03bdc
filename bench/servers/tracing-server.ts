/**
 * The server side of the tracing benchmark, in a process of its own: the project's
 * ACP server, from the build given as the second argument (see `lib/tracing-builds.ts`),
 * serving the echo agent with tracing as built (`none`: the build without tracing),
 * switched off (`off`: `OTEL_SDK_DISABLED=true`, the OpenTelemetry API never loaded), on
 * with no SDK registered (`nosdk`), or on with the SDK registered and a no-op exporter
 * (`sdk`). Prints `{"url": ...}`.
 */
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { echoAgent } from "./echo-agent.js";

const [kind, build] = process.argv.slice(2);
if (kind === "off") process.env.OTEL_SDK_DISABLED = "true";
if (kind === "sdk") {
  const discard = {
    export: (_spans: unknown[], done: (result: { code: number }) => void) => done({ code: 0 }),
    shutdown: () => Promise.resolve(),
  };
  new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] }).register();
}
// Loaded after the switch is set and the SDK registered, as an application would.
const server = (await import(build as string)) as typeof import("../../src/server/index.js");
const running = await server.serveACP({
  agents: [echoAgent()],
  port: 0,
  logger: { warn: () => undefined },
});
process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
