/**
 * Starting a run of one agent and following it: input and config forms, stateless
 * or on a thread, the live stream with the run's status, the interrupt and its
 * resume form, cancel, the run's record, and the call as `curl` or TypeScript.
 */
import { useRef, useState } from "preact/hooks";
import type {
  ACPClient,
  AgentACPDescriptor,
  RunCreateStateless,
  RunEventStream,
  RunOutputStream,
} from "../index.js";
import { apiBase, describeError } from "./connection.js";
import { html } from "./html.js";
import type { FieldSchema } from "./schema-check.js";
import { formIsValid, SchemaForm } from "./schema-form.js";
import { curlOf, typescriptOf } from "./snippets.js";
import { ThreadPanel } from "./thread-panel.js";

/** What a {@link RunPanel} runs. */
export interface RunPanelProps {
  client: ACPClient;
  agentId: string;
  descriptor: AgentACPDescriptor;
  /** Whether the page was given a key (the snippets then send one). */
  withKey: boolean;
}

/** A value as indented JSON for display. */
export const json = (value: unknown) => JSON.stringify(value, null, 2);

/** A starting value for a schema's form: its defaults, or an empty object. */
function initialValue(schema: FieldSchema | undefined): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(schema?.properties ?? {})) {
    if (s.default !== undefined) value[name] = s.default;
  }
  return value;
}

/** One run's form, stream and controls; the page makes a new one for each agent picked. */
export function RunPanel({ client, agentId, descriptor, withKey }: RunPanelProps) {
  const specs = descriptor.specs as AgentACPDescriptor["specs"] & Record<string, unknown>;
  const inputSchema = specs.input as FieldSchema;
  const configSchema = specs.config as FieldSchema | undefined;
  const [input, setInput] = useState<unknown>(() => initialValue(inputSchema));
  const [config, setConfig] = useState<unknown>(() => initialValue(configSchema));
  const [kind, setKind] = useState<"stateless" | "thread">("stateless");
  const [threadId, setThreadId] = useState<string | undefined>();
  const [events, setEvents] = useState<RunOutputStream[]>([]);
  const [status, setStatus] = useState<string | undefined>();
  const [runId, setRunId] = useState<string | undefined>();
  const [runThread, setRunThread] = useState<string | undefined>();
  const [interrupt, setInterrupt] = useState<unknown>();
  const [resume, setResume] = useState<unknown>({});
  const [streaming, setStreaming] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [record, setRecord] = useState<unknown>();
  const lastEventId = useRef<string | undefined>();

  const streamModes = [
    "values",
    ...(specs.capabilities.streaming?.custom ? ["custom" as const] : []),
  ] as Array<"values" | "custom">;
  const configurable = config as Record<string, unknown> | undefined;
  const body: RunCreateStateless = {
    agent_id: agentId,
    input: (input ?? {}) as Record<string, unknown>,
    ...(configurable && Object.keys(configurable).length > 0 ? { config: { configurable } } : {}),
    stream_mode: streamModes,
    // A dropped or closed page leaves the run going: the stream is joined again.
    on_disconnect: "continue",
  };
  const onThread = kind === "thread";
  const call = { base: apiBase(), threadId: onThread ? threadId : undefined, body, withKey };

  /** Follows `stream` to its end: each event shown as it comes, the status kept. */
  const follow = async (stream: RunEventStream, thread: string | undefined) => {
    setStreaming(true);
    setRunThread(thread);
    try {
      for await (const event of stream) {
        lastEventId.current = stream.lastEventId;
        if (stream.runId) setRunId(stream.runId);
        setEvents((previous) => [...previous, event]);
        setStatus(event.data.status);
        if (event.data.type === "interrupt") setInterrupt(event.data.interrupt);
        if (event.data.type === "error") setError(event.data.description);
      }
      if (stream.runId) setRunId(stream.runId);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setStreaming(false);
    }
  };

  const start = () => {
    setError(undefined);
    if (!formIsValid(inputSchema, input) || (configSchema && !formIsValid(configSchema, config))) {
      setError("Fix the fields marked above before starting the run.");
      return;
    }
    if (onThread && !threadId) {
      setError("Pick a thread, or create one, for a run on a thread.");
      return;
    }
    setEvents([]);
    setStatus("pending");
    setRunId(undefined);
    setInterrupt(undefined);
    setRecord(undefined);
    lastEventId.current = undefined;
    const stream =
      onThread && threadId
        ? client.createAndStreamThreadRunOutput(threadId, body)
        : client.createAndStreamStatelessRunOutput(body);
    void follow(stream, onThread ? threadId : undefined);
  };

  const answer = async () => {
    if (!runId || !formIsValid(resumeSchema, resume)) {
      setError("Fix the resume fields before answering.");
      return;
    }
    setError(undefined);
    try {
      const from = lastEventId.current ? { lastEventId: lastEventId.current } : {};
      const payload = resume as Record<string, unknown>;
      if (runThread) await client.resumeThreadRun(runThread, runId, payload);
      else await client.resumeStatelessRun(runId, payload);
      setInterrupt(undefined);
      setResume({});
      await follow(
        runThread
          ? client.streamThreadRunOutput(runThread, runId, from)
          : client.streamStatelessRunOutput(runId, from),
        runThread,
      );
    } catch (failure) {
      setError(describeError(failure));
    }
  };

  const cancel = async () => {
    if (!runId) return;
    try {
      if (runThread) await client.cancelThreadRun(runThread, runId);
      else await client.cancelStatelessRun(runId);
    } catch (failure) {
      setError(describeError(failure));
    }
  };

  const showRecord = async () => {
    if (!runId) return;
    try {
      setRecord(
        runThread
          ? await client.getThreadRun(runThread, runId)
          : await client.getStatelessRun(runId),
      );
    } catch (failure) {
      setError(describeError(failure));
    }
  };

  const interrupts = (specs.interrupts ?? []) as Array<{
    interrupt_type: string;
    resume_payload: FieldSchema;
  }>;
  const resumeSchema = interrupts[0]?.resume_payload;

  return html`<section class="run" aria-labelledby="run-title">
    <h3 id="run-title">Run</h3>
    <${SchemaForm} name="input" schema=${inputSchema} value=${input} onChange=${setInput} />
    ${
      configSchema
        ? html`<details class="config"><summary>Config</summary>
          <${SchemaForm} name="config" schema=${configSchema} value=${config} onChange=${setConfig} />
        </details>`
        : null
    }
    <fieldset class="kind">
      <legend>Run kind</legend>
      <label><input type="radio" name="kind" value="stateless" checked=${!onThread}
        onChange=${() => setKind("stateless")} /> Stateless</label>
      <label><input type="radio" name="kind" value="thread" checked=${onThread}
        disabled=${specs.capabilities.threads !== true}
        onChange=${() => setKind("thread")} /> On a thread</label>
    </fieldset>
    ${onThread ? html`<${ThreadPanel} client=${client} threadId=${threadId} onPick=${setThreadId} />` : null}
    <div class="actions">
      <button type="button" class="primary" onClick=${start} disabled=${streaming}>Start streamed run</button>
      <button type="button" onClick=${cancel} disabled=${!runId || !streaming}>Cancel run</button>
      <button type="button" onClick=${showRecord} disabled=${!runId}>Run record</button>
    </div>
    ${error ? html`<p class="error" role="alert" id="run-error">${error}</p>` : null}
    <p class="status" aria-live="polite">
      Status: <strong id="run-status">${status ?? "not started"}</strong>
      ${runId ? html` · run <code id="run-id">${runId}</code>` : null}
      ${streaming ? " · streaming…" : ""}
    </p>
    ${
      interrupt !== undefined
        ? html`<section class="interrupt" aria-labelledby="interrupt-title">
          <h4 id="interrupt-title">The run waits for an answer</h4>
          <pre id="interrupt-payload">${json(interrupt)}</pre>
          <${SchemaForm} name="resume" schema=${resumeSchema} value=${resume} onChange=${setResume} />
          <button type="button" class="primary" onClick=${answer}>Resume run</button>
        </section>`
        : null
    }
    <ol class="events" id="run-events" aria-label="Run events">
      ${events.map(
        (event) => html`<li class=${`event ${event.data.type}`}>
          <span class="tag">${event.data.type}</span>
          <pre>${json(
            event.data.type === "values"
              ? event.data.values
              : event.data.type === "custom"
                ? event.data.update
                : event.data.type === "interrupt"
                  ? event.data.interrupt
                  : event.data.description,
          )}</pre>
        </li>`,
      )}
    </ol>
    ${record ? html`<details open><summary>Run record</summary><pre id="run-record">${json(record)}</pre></details>` : null}
    <details class="copy-as">
      <summary>Copy as curl / TypeScript</summary>
      <${Snippet} title="curl" id="copy-curl" text=${curlOf(call)} />
      <${Snippet} title="TypeScript" id="copy-ts" text=${typescriptOf(call)} />
    </details>
  </section>`;
}

/** A snippet with a button that copies it. */
function Snippet({ title, id, text }: { title: string; id: string; text: string }) {
  const [copied, setCopied] = useState(false);
  const copy = () =>
    navigator.clipboard.writeText(text).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  return html`<div class="snippet">
    <div class="snippet-head"><span>${title}</span>
      <button type="button" onClick=${copy}>${copied ? "Copied" : `Copy ${title}`}</button></div>
    <pre id=${id}>${text}</pre>
  </div>`;
}
