/**
 * The remote side of a fork of the parent's history (see `node-timelines.ts`): the
 * thread a fork runs on, made with the protocol's thread copy and set back to where the
 * last call the fork keeps ended.
 */
import { ApiException } from "../core/errors.js";
import type { ACPClient, RequestOptions } from "../index.js";
import type { RunStateful } from "../models/index.js";
import { FORK_KEY_PREFIX } from "./node-timelines.js";

/** The refusals that mean "this server cannot copy or set back a thread": a fresh thread then. */
const CANNOT = new Set([404, 405, 422, 501]);
const PAGE = 100;

/** Makes and finds the threads of forks on one agent's server. */
export class RemoteForks {
  constructor(
    private readonly client: ACPClient,
    private readonly options: RequestOptions,
    /**
     * The forks' threads already named, by thread and parent checkpoint: a thread names
     * its fork once and for good, so a later call of the fork need not read it again.
     */
    private readonly named: Map<string, string>,
    /** The id of a fresh thread for a fork of `threadId` at `at`, the same every time. */
    private readonly freshId: (threadId: string, at: string) => Promise<string>,
  ) {}

  /** See `ThreadCalls.forkOf`. */
  async forkOf(
    threadId: string,
    at: string,
    kept: () => Promise<RunStateful | undefined>,
  ): Promise<string> {
    const key = `${FORK_KEY_PREFIX}${at}`;
    const known = `${threadId} ${key}`;
    const remembered = this.named.get(known);
    if (remembered !== undefined) return remembered;
    const thread = await this.client.getThread(threadId, this.options);
    const named = thread.metadata?.[key];
    let fork: string;
    if (typeof named === "string" && named !== "") {
      fork = named;
    } else {
      const run = await kept();
      fork = (run && (await this.copyAt(threadId, run, at))) ?? (await this.freshId(threadId, at));
      await this.client.patchThread(threadId, { metadata: { [key]: fork } }, this.options);
    }
    this.named.set(known, fork);
    return fork;
  }

  /**
   * A copy of the thread set back to its state when `run` ended, or undefined when the
   * server cannot copy a thread, set one back, or tell which of its checkpoints that is.
   */
  private async copyAt(
    threadId: string,
    run: RunStateful,
    at: string,
  ): Promise<string | undefined> {
    let copy: string | undefined;
    try {
      copy = (await this.client.copyThread(threadId, this.options)).thread_id;
      const checkpoint = await this.checkpointAtEndOf(copy, run);
      if (checkpoint === undefined) {
        await this.client.deleteThread(copy, this.options);
        return undefined;
      }
      await this.client.patchThread(
        copy,
        {
          checkpoint: { checkpoint_id: checkpoint },
          metadata: { acp_node_fork_of: threadId, acp_node_fork_at: at },
        },
        this.options,
      );
      return copy;
    } catch (err) {
      if (!(err instanceof ApiException) || !CANNOT.has(err.status ?? 0)) throw err;
      if (copy !== undefined) await this.client.deleteThread(copy, this.options).catch(() => {});
      return undefined;
    }
  }

  /**
   * The newest checkpoint of the thread made before `run` ended, read from the time in its
   * id: LangGraph's checkpoint ids are time-ordered UUIDs (version 6). Undefined when the
   * thread's ids are not, or none is that old.
   */
  private async checkpointAtEndOf(threadId: string, run: RunStateful): Promise<string | undefined> {
    const ended = Date.parse(run.updated_at);
    if (Number.isNaN(ended)) return undefined;
    let before: string | undefined;
    for (;;) {
      const states = await this.client.getThreadHistory(threadId, PAGE, before, this.options);
      for (const state of states) {
        const made = uuid6Time(state.checkpoint.checkpoint_id);
        if (made === undefined) return undefined;
        if (made <= ended) return state.checkpoint.checkpoint_id;
      }
      if (states.length < PAGE) return undefined;
      before = states.at(-1)?.checkpoint.checkpoint_id;
    }
  }
}

/** Ms since 1970 in a version 6 UUID; undefined for another version. */
export function uuid6Time(id: string): number | undefined {
  const hex = id.replace(/-/g, "");
  if (!/^[0-9a-f]{32}$/i.test(hex) || hex[12] !== "6") return undefined;
  // 100 ns intervals since 1582-10-15, high bits first, the version nibble skipped.
  const intervals = BigInt(`0x${hex.slice(0, 12)}${hex.slice(13, 16)}`);
  return Number((intervals - 0x01b21dd213814000n) / 10000n);
}
