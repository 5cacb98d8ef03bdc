/**
 * Where the A2A push notification configs of runs are kept, beside the runs, so that
 * every replica of a store sees them: a config set through one replica is read by the
 * one that ends the run. Each backend has its own, and the in-memory one is here.
 */
import { encode, type StoreLogger } from "./codec.js";
import type { RunStore } from "./store.js";

/** One push notification config of a run, as stored. */
export interface StoredPushConfig {
  /** Its id, unique among the configs of its run. */
  id: string;
  /** The config itself: a JSON object, as the A2A side wrote it. */
  config: Record<string, unknown>;
}

/**
 * What {@link PushConfigStore.put} did: `stored`; `no-run` when the run is not stored
 * (nothing is stored); `full` when the run already has its most configs and this one
 * would be another (nothing is stored).
 */
export type PushConfigPut = "stored" | "no-run" | "full";

/**
 * The push notification configs of runs. A run's configs are deleted with it. Configs
 * are listed in the order they were first stored; replacing one keeps its place.
 */
export interface PushConfigStore {
  /**
   * Stores `config` under `id` for the run `runId`, replacing the config with that id.
   * A run may have at most `maxPerRun` configs.
   */
  put(
    runId: string,
    id: string,
    config: Record<string, unknown>,
    maxPerRun: number,
  ): Promise<PushConfigPut>;
  /** The configs of a run, oldest first; none for a run that is not stored. */
  list(runId: string): Promise<StoredPushConfig[]>;
  /** Deletes one config of a run; false when it was not stored. */
  delete(runId: string, id: string): Promise<boolean>;
}

/**
 * Decodes a stored config's JSON text; a text that is not a JSON object (a hand-edited
 * row) is reported to `logger` and skipped.
 */
function decodePushConfig(
  id: string,
  text: string,
  runId: string,
  logger: StoreLogger,
): StoredPushConfig | undefined {
  try {
    const config: unknown = JSON.parse(text);
    if (typeof config === "object" && config !== null && !Array.isArray(config)) {
      return { id, config: config as Record<string, unknown> };
    }
  } catch {
    // Reported below.
  }
  logger.warn(`push notification config ${id} of run ${runId} is unreadable and is skipped`);
  return undefined;
}

/** The JSON text a backend stores for a config. */
function encodePushConfig(config: Record<string, unknown>): string {
  return encode(config, "pushConfigs.put");
}

/** A config as a backend keeps it: its id and its JSON text. */
export interface PushConfigRow {
  /** The config's id. */
  id: string;
  /** The config's JSON text. */
  text: string;
}

/**
 * A push config store that keeps each config as JSON text: `put` encodes the config
 * before the backend stores it, `list` decodes what the backend read, skipping (and
 * reporting) a text that is no JSON object.
 */
export abstract class TextPushConfigStore implements PushConfigStore {
  constructor(protected readonly logger: StoreLogger) {}

  async put(
    runId: string,
    id: string,
    config: Record<string, unknown>,
    maxPerRun: number,
  ): Promise<PushConfigPut> {
    return this.putText(runId, { id, text: encodePushConfig(config) }, maxPerRun);
  }

  async list(runId: string): Promise<StoredPushConfig[]> {
    const rows = await this.listText(runId);
    return rows.flatMap(({ id, text }) => decodePushConfig(id, text, runId, this.logger) ?? []);
  }

  abstract delete(runId: string, id: string): Promise<boolean>;

  /** Stores a config's text, as {@link PushConfigStore.put} says. */
  protected abstract putText(
    runId: string,
    row: PushConfigRow,
    maxPerRun: number,
  ): Promise<PushConfigPut>;

  /** The texts of a run's configs, oldest first. */
  protected abstract listText(runId: string): Promise<PushConfigRow[]>;
}

/**
 * Push configs in this process's memory, for the memory store. A run's configs are
 * dropped once the run is gone (deleted, purged or evicted): looked for whenever the
 * configs kept have doubled since the last look.
 */
export class MemoryPushConfigStore extends TextPushConfigStore {
  readonly #configs = new Map<string, Map<string, string>>();
  readonly #runs: RunStore;
  #sweepAt = 64;

  constructor(runs: RunStore, logger: StoreLogger) {
    super(logger);
    this.#runs = runs;
  }

  protected async putText(
    runId: string,
    { id, text }: PushConfigRow,
    maxPerRun: number,
  ): Promise<PushConfigPut> {
    if (!(await this.#runs.get(runId))) return "no-run";
    const configs = this.#configs.get(runId) ?? new Map<string, string>();
    if (!configs.has(id) && configs.size >= maxPerRun) return "full";
    configs.set(id, text);
    this.#configs.set(runId, configs);
    if (this.#configs.size >= this.#sweepAt) await this.#sweep();
    return "stored";
  }

  protected async listText(runId: string): Promise<PushConfigRow[]> {
    const configs = this.#configs.get(runId);
    if (!configs) return [];
    if (!(await this.#runs.get(runId))) {
      this.#configs.delete(runId);
      return [];
    }
    return [...configs].map(([id, text]) => ({ id, text }));
  }

  /** Whether run `runId` has configs (maybe of a run gone, not swept yet). */
  has(runId: string): boolean {
    return this.#configs.has(runId);
  }

  async delete(runId: string, id: string): Promise<boolean> {
    const configs = this.#configs.get(runId);
    if (!configs?.delete(id)) return false;
    if (configs.size === 0) this.#configs.delete(runId);
    return true;
  }

  /** Drops the configs of runs that are gone. */
  async #sweep(): Promise<void> {
    for (const runId of [...this.#configs.keys()]) {
      if (!(await this.#runs.get(runId))) this.#configs.delete(runId);
    }
    this.#sweepAt = Math.max(64, this.#configs.size * 2);
  }
}
