import { randomUUID } from "node:crypto";
import { isRecord } from "../../core/json-guards.js";
import { INTERRUPTS_FIELD } from "../../core/langgraph-interrupts.js";
import { messageOf } from "../../core/message-of.js";
import type {
  Thread,
  ThreadCreate,
  ThreadPatch,
  ThreadSearchRequest,
  ThreadState,
} from "../../models/index.js";
import type { AgentRegistry, RegisteredAgent } from "../agents.js";
import {
  CheckpointNotFoundError,
  InvalidRequestError,
  ThreadBusyError,
  ThreadExistsError,
  ThreadNotFoundError,
} from "../errors.js";
import { checkJsonLimits, type JsonLimits } from "../json-limits.js";
import type { StoredThread, ThreadStore } from "../stores/store.js";
import type { GraphState } from "./graph-state.js";
import { pendingInterrupts } from "./interrupts.js";
import { matchesAll } from "./match.js";
import type { RunManager } from "./runs.js";
import { toWire } from "./wire.js";

/** Thread ids the checkpointer can store safely; anything else is never a thread. */
const THREAD_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * True when `id` can name a thread. Names of `Object.prototype` members are refused
 * too: in-memory checkpointers key objects by thread id.
 */
export const isThreadId = (id: string) => THREAD_ID.test(id) && !(id in Object.prototype);

/**
 * What a checkpoint id may be: the checkpointer's ids are UUIDs, and one with a control
 * character (a NUL, which PostgreSQL refuses in text) names none, so it never reaches it.
 */
const CHECKPOINT_ID = /^[^\p{Cc}]{1,256}$/u;

/** Refuses an id that cannot name a checkpoint; `path` is where the request gave it. */
function checkCheckpointId(id: string, path: string): void {
  if (!CHECKPOINT_ID.test(id)) {
    throw new InvalidRequestError(
      `${path} is not a checkpoint id (1-256 characters, no control characters)`,
      path,
    );
  }
}

/** A new thread's record. */
export function newThread(threadId: string, metadata: Record<string, unknown> = {}): StoredThread {
  const at = new Date().toISOString();
  return { thread_id: threadId, created_at: at, updated_at: at, metadata, status: "idle" };
}

/** How many threads a search with a `values` filter reads from the store at a time. */
const VALUES_BATCH = 100;

/** What the thread operations need. */
export interface ThreadServiceDeps {
  store: ThreadStore;
  graphState: GraphState;
  agents: AgentRegistry;
  runs: RunManager;
  limits: JsonLimits;
}

/**
 * The thread operations. A thread's state is read and written through the graph of
 * the agent that last ran on it (the first agent before any run), since only a graph
 * knows how its channels make up its values.
 */
export class ThreadService {
  constructor(private readonly deps: ThreadServiceDeps) {}

  /** Creates a thread, or returns the existing one with `if_exists: "do_nothing"`. */
  async create(body: ThreadCreate): Promise<Thread> {
    const threadId = body.thread_id ?? randomUUID();
    if (!isThreadId(threadId)) {
      throw new InvalidRequestError(
        "thread_id must be a UUID (or 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit)",
        "thread_id",
      );
    }
    checkJsonLimits({ metadata: body.metadata }, this.deps.limits);
    const record = newThread(threadId, body.metadata ?? {});
    if (!(await this.deps.store.create(record))) {
      const existing = await this.deps.store.get(threadId);
      if (existing && body.if_exists === "do_nothing") return this.toThread(existing);
      throw new ThreadExistsError(threadId);
    }
    return this.toThread(record);
  }

  /** A thread with its current values, or a `ThreadNotFoundError`. */
  async get(threadId: string): Promise<Thread> {
    return this.toThread(await this.record(threadId));
  }

  /**
   * Threads matching metadata, status and values, oldest first. Metadata and status
   * are searched in the store; values live in the graph state, so a `values` filter
   * reads the store's matches page by page until `limit` threads match.
   */
  async search(query: ThreadSearchRequest): Promise<Thread[]> {
    // Matching walks the filters as deep as they go.
    checkJsonLimits({ metadata: query.metadata, values: query.values }, this.deps.limits);
    const limit = query.limit ?? 10;
    const offset = query.offset ?? 0;
    const stored = {
      ...(query.metadata !== undefined ? { metadata: query.metadata } : {}),
      ...(query.status !== undefined ? { status: query.status } : {}),
    };
    if (query.values === undefined) {
      const found = await this.deps.store.search({ ...stored, limit, offset });
      return Promise.all(found.map((t) => this.toThread(t)));
    }
    const matches: Thread[] = [];
    let skip = offset;
    for (let page = 0; matches.length < limit; page += VALUES_BATCH) {
      const found = await this.deps.store.search({ ...stored, limit: VALUES_BATCH, offset: page });
      for (const record of found) {
        const thread = await this.toThread(record);
        const values = isRecord(thread.values) ? thread.values : {};
        if (!matchesAll(values, query.values)) continue;
        if (skip > 0) {
          skip -= 1;
          continue;
        }
        matches.push(thread);
        // Full: the rest of the batch is not read (each read is the thread's graph state).
        if (matches.length === limit) return matches;
      }
      if (found.length < VALUES_BATCH) break;
    }
    return matches;
  }

  /** Merges metadata and updates values (from a checkpoint, when given). */
  async patch(threadId: string, body: ThreadPatch): Promise<Thread> {
    const record = await this.record(threadId);
    checkJsonLimits(
      { metadata: body.metadata, values: body.values, messages: body.messages },
      this.deps.limits,
    );
    if (body.checkpoint) {
      checkCheckpointId(body.checkpoint.checkpoint_id, "checkpoint.checkpoint_id");
    }
    const touchesState =
      body.values !== undefined || body.messages !== undefined || body.checkpoint !== undefined;
    if (touchesState) await this.whileHeld(threadId, () => this.updateState(record, body));
    const updated = await this.deps.store.patch(threadId, {
      metadata: { ...record.metadata, ...(body.metadata ?? {}) },
      updated_at: new Date().toISOString(),
    });
    if (!updated) throw new ThreadNotFoundError(threadId);
    return this.toThread(updated);
  }

  /** Deletes a thread, its state and its runs; refused while a run is pending. */
  async delete(threadId: string): Promise<void> {
    // A missing thread is a 404 from the claim that holds it.
    await this.whileHeld(threadId, async () => {
      await this.deps.store.delete(threadId);
      await this.deps.runs.forgetThread(threadId);
      await this.deps.graphState.delete(threadId);
    });
  }

  /** Copies a thread, with its state and history, under a new id. */
  async copy(threadId: string): Promise<Thread> {
    const record = await this.record(threadId);
    const copyId = randomUUID();
    await this.deps.graphState.copy(threadId, copyId);
    const at = new Date().toISOString();
    const { last_run_id: _runOfOriginal, busy_run_id: _holderOfOriginal, ...kept } = record;
    const copy: StoredThread = { ...kept, thread_id: copyId, created_at: at, updated_at: at };
    await this.deps.store.create(copy);
    return this.toThread(copy);
  }

  /** The thread's states, newest first. */
  async history(threadId: string, limit: number, before?: string): Promise<ThreadState[]> {
    if (before !== undefined) checkCheckpointId(before, "before");
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

  /** The record of a thread, or a `ThreadNotFoundError`. */
  async record(threadId: string): Promise<StoredThread> {
    const record = isThreadId(threadId) ? await this.deps.store.get(threadId) : undefined;
    if (!record) throw new ThreadNotFoundError(threadId);
    return record;
  }

  /**
   * Runs `job` holding the thread as a run would, so no run starts on it meanwhile;
   * a thread a run holds is busy (answered 422: patch and delete declare no 409).
   */
  private async whileHeld(threadId: string, job: () => Promise<void>): Promise<void> {
    const holderId = `operation:${randomUUID()}`;
    const busy = await this.deps.store.claim(threadId, holderId);
    if (busy === "") throw new ThreadNotFoundError(threadId);
    if (busy !== undefined) {
      throw new ThreadBusyError(threadId, busy, "cancel it or wait for it first");
    }
    try {
      await job();
    } finally {
      await this.deps.store.release(threadId, holderId);
    }
  }

  private async updateState(record: StoredThread, body: ThreadPatch): Promise<void> {
    const threadId = record.thread_id;
    const values =
      body.messages !== undefined
        ? { ...(isRecord(body.values) ? body.values : {}), messages: body.messages }
        : (body.values ?? null);
    const configurable: Record<string, unknown> = { thread_id: threadId };
    if (body.checkpoint) {
      const checkpointId = body.checkpoint.checkpoint_id;
      if (!(await this.deps.graphState.has(threadId, checkpointId))) {
        throw new CheckpointNotFoundError(checkpointId, threadId);
      }
      configurable.checkpoint_id = checkpointId;
    }
    try {
      await this.agentOf(record).graph.updateState({ configurable }, values);
    } catch (err) {
      throw new InvalidRequestError(
        `values cannot be applied to thread ${threadId}: ${messageOf(err)}`,
        "values",
      );
    }
  }

  private agentOf(record: StoredThread): RegisteredAgent {
    const agents = this.deps.agents;
    return (
      agents.find(record.agent_id) ??
      agents.all().find((a) => a.descriptor.specs.capabilities.threads === true) ??
      (agents.all()[0] as RegisteredAgent)
    );
  }

  private async toThread(record: StoredThread): Promise<Thread> {
    const busy = record.busy_run_id !== undefined;
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
      const pending = pendingInterrupts(state);
      // Every interrupt the thread waits at, as its last run reported them.
      if (pending.length > 0) thread[INTERRUPTS_FIELD] = pending;
    }
    return thread;
  }
}
