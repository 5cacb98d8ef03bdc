/** The server's stores: the boundary every backend implements, and the backends. */
export type { StoreLogger } from "./codec.js";
export {
  StoreConflictError,
  StoreEncodingError,
  StoreError,
  StoreLimitError,
  StoreUnavailableError,
} from "./errors.js";
export { DEFAULT_MEMORY_STORE_BYTES, type MemoryStoreOptions, memoryStore } from "./memory.js";
export {
  type PostgresServerStore,
  type PostgresStoreOptions,
  postgresStore,
} from "./postgres.js";
export type { PushConfigPut, PushConfigStore, StoredPushConfig } from "./push-configs.js";
export type {
  ClaimedRun,
  Leg,
  QueuedRun,
  ReplicaCoordination,
  ReplicaHandlers,
  ThreadClaim,
  ThreadEnd,
} from "./replicas.js";
export { type SqliteStoreOptions, sqliteStore } from "./sqlite.js";
export type { SqliteCheckpoints } from "./sqlite-checkpoints.js";
export type { SqliteIntegrityCheck } from "./sqlite-damage.js";
export type {
  PurgedRun,
  RunEventData,
  RunSearch,
  RunStore,
  RunWritten,
  ServerStore,
  StoredEvent,
  StoredRun,
  StoredThread,
  StoreFaults,
  ThreadChanges,
  ThreadSearch,
  ThreadStore,
} from "./store.js";
