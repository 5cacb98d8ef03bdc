import { randomUUID } from "node:crypto";
import { isRecord } from "../../core/json-guards.js";
import type {
  Thread,
  ThreadCreate,
  ThreadPatch,
  ThreadSearchRequest,
  ThreadState,
} from "../../models/index.js";
import type { AgentRegistry, RegisteredAgent } from "../agents.js";
import { conflict, notFound, unprocessable } from "../http/http-error.js";
import { matchesAll } from "./match.js";
import type { RunManager } from "./runs.js";
import { newThreadRecord, type ThreadRecord, type ThreadStore } from "./thread-store.js";
import { toWire } from "./wire.js";

/** Thread ids the checkpointer can store safely; anything else is never a thread. */
const THREAD_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * True when `id` can name a thread. Names of `Object.prototype` members are refused
 * too: in-memory checkpointers key objects by thread id.
 */
export const isThreadId = (id: string) => THREAD_ID.test(id) && !(id in Object.prototype);

/**
 * The thread operations. A thread's state is read and written through the graph of
 * the agent that last ran on it (the first agent before any run), since only a graph
 * knows how its channels make up its values.
 */
export class ThreadService {
  constructor(
    private readonly store: ThreadStore,
    private readonly agents: AgentRegistry,
    private readonly runs: RunManager,
  ) {}

  /** Creates a thread, or returns the existing one with `if_exists: "do_nothing"`. */
  async create(body: ThreadCreate): Promise<Thread> {
    const threadId = body.thread_id ?? randomUUID();
    if (!isThreadId(threadId)) {
      throw unprocessable(
        "thread_id must be a UUID (or 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit)",
      );
    }
    const existing = await this.store.get(threadId);
    if (existing) {
      if (body.if_exists === "do_nothing") return this.toThread(existing);
      throw conflict(`thread ${threadId} already exists`);
    }
    const record = newThreadRecord(threadId, body.metadata ?? {});
    await this.store.put(record);
    return this.toThread(record);
  }

  /** A thread with its current values, or a 404. */
  async get(threadId: string): Promise<Thread> {
    return this.toThread(await this.record(threadId));
  }

  /** Threads matching metadata, values and status, oldest first. */
  async search(query: ThreadSearchRequest): Promise<Thread[]> {
    const records = (await this.store.list()).sort((a, b) =>
      a.created_at.localeCompare(b.created_at),
    );
    const matches: Thread[] = [];
    for (const record of records) {
      if (!matchesAll(record.metadata, query.metadata)) continue;
      const thread = await this.toThread(record);
      if (query.status !== undefined && thread.status !== query.status) continue;
      if (query.values !== undefined) {
        const values = thread.values;
        const object =
          typeof values === "object" && values !== null && !Array.isArray(values) ? values : {};
        if (!matchesAll(object as Record<string, unknown>, query.values)) continue;
      }
      matches.push(thread);
    }
    const offset = query.offset ?? 0;
    return matches.slice(offset, offset + (query.limit ?? 10));
  }

  /** Merges metadata and updates values (from a checkpoint, when given). */
  async patch(threadId: string, body: ThreadPatch): Promise<Thread> {
    const record = await this.record(threadId);
    const touchesState =
      body.values !== undefined || body.messages !== undefined || body.checkpoint !== undefined;
    if (touchesState) {
      const active = this.runs.activeRun(threadId);
      if (active !== undefined) throw conflict(`thread ${threadId} is busy with run ${active}`);
      const values =
        body.messages !== undefined
          ? { ...(isRecord(body.values) ? body.values : {}), messages: body.messages }
          : (body.values ?? null);
      const agent = this.agentOf(record);
      const configurable: Record<string, unknown> = { thread_id: threadId };
      if (body.checkpoint) {
        await this.assertCheckpoint(threadId, body.checkpoint.checkpoint_id);
        configurable.checkpoint_id = body.checkpoint.checkpoint_id;
      }
      try {
        await agent.graph.updateState({ configurable }, values);
      } catch (err) {
        throw unprocessable(`values cannot be applied to thread ${threadId}: ${messageOf(err)}`);
      }
    }
    const updated: ThreadRecord = {
      ...record,
      metadata: { ...record.metadata, ...(body.metadata ?? {}) },
      updated_at: new Date().toISOString(),
    };
    await this.store.put(updated);
    return this.toThread(updated);
  }

  /** Deletes a thread, its state and its runs; refused while a run is pending. */
  async delete(threadId: string): Promise<void> {
    await this.record(threadId);
    const active = this.runs.activeRun(threadId);
    if (active !== undefined) throw conflict(`thread ${threadId} is busy with run ${active}`);
    await this.store.delete(threadId);
    await this.runs.forgetThread(threadId);
  }

  /** Copies a thread, with its state and history, under a new id. */
  async copy(threadId: string): Promise<Thread> {
    const record = await this.record(threadId);
    const copyId = randomUUID();
    await this.store.copyCheckpoints(threadId, copyId);
    const at = new Date().toISOString();
    const { last_run_id: _runOfOriginal, ...kept } = record;
    const copy: ThreadRecord = { ...kept, thread_id: copyId, created_at: at, updated_at: at };
    await this.store.put(copy);
    return this.toThread(copy);
  }

  /** The thread's states, newest first. */
  async history(threadId: string, limit: number, before?: string): Promise<ThreadState[]> {
    const record = await this.record(threadId);
    const graph = this.agentOf(record).graph;
    const states: ThreadState[] = [];
    const options = {
      limit,
      ...(before ? { before: { configurable: { checkpoint_id: before } } } : {}),
    };
    for await (const snapshot of graph.getStateHistory(
      { configurable: { thread_id: threadId } },
      options,
    )) {
      const checkpointId = snapshot.config.configurable?.checkpoint_id;
      if (typeof checkpointId !== "string") continue;
      states.push({
        checkpoint: { checkpoint_id: checkpointId },
        values: (toWire(snapshot.values) ?? {}) as ThreadState["values"],
        ...(snapshot.metadata
          ? { metadata: toWire(snapshot.metadata) as Record<string, unknown> }
          : {}),
      });
    }
    return states;
  }

  /** The record of a thread, or a 404. */
  async record(threadId: string): Promise<ThreadRecord> {
    const record = isThreadId(threadId) ? await this.store.get(threadId) : undefined;
    if (!record) throw notFound(`thread ${threadId} not found`);
    return record;
  }

  private agentOf(record: ThreadRecord): RegisteredAgent {
    return (
      this.agents.find(record.agent_id) ??
      this.agents.all().find((a) => a.descriptor.specs.capabilities.threads === true) ??
      (this.agents.all()[0] as RegisteredAgent)
    );
  }

  private async assertCheckpoint(threadId: string, checkpointId: string): Promise<void> {
    if (!(await this.store.hasCheckpoint(threadId, checkpointId))) {
      throw notFound(`checkpoint ${checkpointId} not found on thread ${threadId}`);
    }
  }

  private async toThread(record: ThreadRecord): Promise<Thread> {
    const busy = this.runs.activeRun(record.thread_id) !== undefined;
    const thread: Thread = {
      thread_id: record.thread_id,
      created_at: record.created_at,
      updated_at: record.updated_at,
      metadata: record.metadata,
      status: busy ? "busy" : record.status,
    };
    const state = await this.agentOf(record)
      .graph.getState({ configurable: { thread_id: record.thread_id } })
      .catch(() => undefined);
    if (state && typeof state.config.configurable?.checkpoint_id === "string") {
      thread.values = (toWire(state.values) ?? {}) as Thread["values"];
    }
    return thread;
  }
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
