/**
 * The objects the Python reference server (agntcy/workflow-srv) puts on the wire,
 * key for key in the order of its pydantic models
 * (`src/agent_workflow_server/generated/models/*.py`, field order = `__properties`).
 *
 * Two serialisations meet here, and they differ on `null`:
 * - Answers go through FastAPI's response model (`exclude_none=False`), so every
 *   optional field left unset is written as `null` (`creation.metadata: null`,
 *   `metadata.ref.url: null`, `thread.values: null`, ...).
 * - A `oneOf` wrapper (`RunOutput`, `StreamEventPayload`) serialises through the
 *   generated `to_dict()`, which drops `None` (`exclude_none=True`): a wait answer's
 *   `output` and every stream event carry no nulls.
 */

/** A run as `storage/models.py` keeps it. */
export interface StoredRun {
  run_id: string;
  agent_id: string;
  thread_id: string;
  input: unknown;
  /** `run_create.config.model_dump()`: every `Config` field, unset ones as `None`. */
  config: Record<string, unknown> | null;
  metadata: Record<string, unknown> | null;
  webhook: string | null;
  created_at: string;
  updated_at: string;
  status: "pending" | "error" | "success" | "timeout" | "interrupted";
  interrupt?: { event: string; name: string; ai_data: unknown; user_data?: unknown };
}

/**
 * `datetime.now()` as pydantic writes a naive datetime: no zone, microseconds
 * only when not zero (`2026-11-29T10:58:39.019298`).
 */
export function naiveNow(): string {
  const now = new Date();
  const micro = now.getUTCMilliseconds() * 1000 + Math.floor(Math.random() * 1000);
  const base = now.toISOString().slice(0, 19);
  return micro === 0 ? base : `${base}.${String(micro).padStart(6, "0")}`;
}

/** `services/runs.py` `_to_api_model`: a `RunStateless`, creation defaults filled. */
export function runWire(run: StoredRun): Record<string, unknown> {
  return {
    run_id: run.run_id,
    thread_id: run.thread_id,
    agent_id: run.agent_id,
    created_at: run.created_at,
    updated_at: run.updated_at,
    status: run.status,
    creation: {
      agent_id: run.agent_id,
      input: run.input ?? null,
      metadata: run.metadata,
      config: run.config,
      webhook: run.webhook,
      stream_mode: null,
      on_disconnect: "cancel",
      multitask_strategy: "reject",
      after_seconds: null,
      on_completion: "delete",
    },
  };
}

/** `Config.model_dump()` of a request's `config`, as `_make_run` stores it. */
export function configDump(config: unknown): Record<string, unknown> | null {
  if (config === undefined || config === null) return null;
  const c = config as Record<string, unknown>;
  return {
    tags: c.tags ?? null,
    recursion_limit: c.recursion_limit ?? null,
    configurable: c.configurable ?? null,
  };
}

/** What a run's wait answer reports in `output`: `to_dict()` of the `RunOutput` branch. */
export type OutputWire =
  | { type: "result"; values: unknown }
  | { type: "interrupt"; interrupt: unknown }
  | { type: "error"; run_id: string; errcode: number; description: string };

/** `RunWaitResponseStateless`: the run with nulls, the output without. */
export function waitWire(run: StoredRun, output: OutputWire): Record<string, unknown> {
  return { run: runWire(run), output };
}

/** A stream event's payload (`StreamEventPayload.to_json()` of one update model). */
export type EventWire =
  | { type: "values"; run_id: string; status: StoredRun["status"]; values: unknown }
  | { type: "interrupt"; interrupt: unknown; run_id: string; status: StoredRun["status"] }
  | {
      type: "error";
      run_id: string;
      errcode: number;
      description: string;
      status: StoredRun["status"];
    };

/** The descriptor an agent's manifest gives, as `AgentACPDescriptor` serialises it. */
export interface DescriptorInput {
  name: string;
  version: string;
  description: string;
  capabilities: { threads?: boolean; interrupts?: boolean; streaming?: { values?: boolean } };
  input: Record<string, unknown>;
  output: Record<string, unknown>;
  config: Record<string, unknown>;
  interrupts?: {
    interrupt_type: string;
    interrupt_payload: Record<string, unknown>;
    resume_payload: Record<string, unknown>;
  }[];
}

/**
 * `agents/load.py` `_make_acp_descriptor`: `ref.url` is the manifest locator's (here
 * none: `null`), capabilities default to `false`, unset streaming modes and specs
 * to `null`.
 */
export function descriptorWire(d: DescriptorInput): Record<string, unknown> {
  return {
    metadata: agentMetadataWire(d),
    specs: {
      capabilities: {
        threads: d.capabilities.threads ?? false,
        interrupts: d.capabilities.interrupts ?? false,
        callbacks: false,
        streaming: d.capabilities.streaming
          ? { values: d.capabilities.streaming.values ?? null, custom: null }
          : null,
      },
      input: d.input,
      output: d.output,
      custom_streaming_update: null,
      thread_state: null,
      config: d.config,
      interrupts: d.interrupts ?? null,
    },
  };
}

/** `AgentMetadata` with its `AgentRef`. */
export function agentMetadataWire(d: DescriptorInput): Record<string, unknown> {
  return { ref: { name: d.name, version: d.version, url: null }, description: d.description };
}

/** `services/threads.py` `_to_api_model`: `values` from the agent's state or `null`, `messages` never set. */
export function threadWire(thread: {
  thread_id: string;
  metadata: Record<string, unknown> | null;
  created_at: string;
  updated_at: string;
  status: string;
}): Record<string, unknown> {
  return {
    thread_id: thread.thread_id,
    created_at: thread.created_at,
    updated_at: thread.updated_at,
    metadata: thread.metadata,
    status: thread.status,
    values: null,
    messages: null,
  };
}
