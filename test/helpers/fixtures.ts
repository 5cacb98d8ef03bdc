/** Valid protocol objects for client tests. */
import type { Agent, RunOutputStream, RunStateless, Thread } from "../../src/index.js";

export const agentId = "6b1f7c64-3a3e-4c8e-9f1e-2f4f3a1d0b11";
export const runId = "0d2c1a7e-5b6f-4a3c-8d9e-1f2a3b4c5d6e";
export const threadId = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b";
export const now = "2025-01-01T00:00:00Z";

export const agent: Agent = {
  agent_id: agentId,
  metadata: { ref: { name: "echo", version: "1.0.0" }, description: "echoes" },
};

export const statelessRun: RunStateless = {
  run_id: runId,
  agent_id: agentId,
  created_at: now,
  updated_at: now,
  status: "pending",
  creation: { agent_id: agentId, input: { x: 1 } },
};

export const thread: Thread = {
  thread_id: threadId,
  created_at: now,
  updated_at: now,
  metadata: {},
  status: "idle",
};

/** A `values` event with id `id`. */
export function valuesEvent(id: number | string, value: unknown = id): RunOutputStream {
  return {
    id: String(id),
    event: "agent_event",
    data: { type: "values", run_id: runId, status: "pending", values: { n: value } },
  };
}

/** The SSE text of an event, as the protocol puts it on the wire. */
export function sseFrame(event: RunOutputStream): string {
  return `id: ${event.id}\nevent: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
}
