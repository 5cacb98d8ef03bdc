/** Protocol objects and SSE bytes the benchmarks send, built once. */
import { randomUUID } from "node:crypto";

/** The ids every benchmark run uses. */
export const ids = { agent: randomUUID(), run: randomUUID() };

/** A valid `RunStateless`. */
export function statelessRun(status = "success") {
  const now = new Date().toISOString();
  return {
    run_id: ids.run,
    agent_id: ids.agent,
    created_at: now,
    updated_at: now,
    status,
    creation: { agent_id: ids.agent, input: { text: "hello" } },
  };
}

/** A valid `RunWaitResponseStateless` for a finished echo run. */
export function waitResponse() {
  return { run: statelessRun(), output: { type: "result", values: { reply: "echo: hello" } } };
}

/** The SSE frame of custom event `n`, as the ACP server writes it. */
export function sseFrame(n: number): string {
  const data = {
    type: "custom",
    run_id: ids.run,
    status: "pending",
    update: { step: n, text: "some text of an event" },
  };
  return `id: ${n}\nevent: agent_event\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Frames `from..to` (inclusive) as one buffer. */
export function sseFrames(from: number, to: number): Buffer {
  let text = "";
  for (let n = from; n <= to; n++) text += sseFrame(n);
  return Buffer.from(text);
}
