import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { Client } from "pg";
import { messageOf } from "../../core/message-of.js";
import { RecordDecoder, type StoreLogger } from "./codec.js";
import { StoreUnavailableError } from "./errors.js";
import { PostgresCoordination } from "./postgres/coordination.js";
import { DeferredSaver } from "./postgres/lazy-saver.js";
import { PostgresPushConfigStore } from "./postgres/push-configs.js";
import { compactPostgresSaver } from "./postgres/saver.js";
import { migrate } from "./postgres/schema.js";
import { PostgresRunStore, PostgresThreadStore } from "./postgres/store.js";
import type { WorkerOptions } from "./postgres/workers.js";
import type { ReplicaCoordination } from "./replicas.js";
import type { ServerStore, StoreFaults } from "./store.js";

/** How to build a PostgreSQL store. */
export interface PostgresStoreOptions extends WorkerOptions {
  /** The schema its tables (and the checkpointer's) live in. Default `acp`. */
  schema?: string;
  /** How many connections its pool opens at most. Default 10. */
  maxConnections?: number;
  /** Where it reports records it cannot read and connections it lost. Defaults to `console`. */
  logger?: StoreLogger;
  /**
   * How many executions of one run are begun at most: a run whose replica died (or shut
   * down and handed it over) this often ends in `error`, errcode 503, instead of being
   * taken over again. Default 3.
   */
  maxAttempts?: number;
  /**
   * A replica whose own connection breaks stops executing (the others take its runs
   * over) and joins again as soon as the database answers, waiting twice as long after
   * each failed try, at most this long, in ms. Default 5000.
   */
  rejoinMaxDelayMs?: number;
  /** Test-only: makes writes fail at chosen points (see `StoreFaults`). */
  faults?: StoreFaults;
}

/** A store in PostgreSQL, shared by every replica of a server that uses the same database. */
export interface PostgresServerStore extends ServerStore {
  /** Resolves once connected and migrated; rejects with a `StoreUnavailableError`. */
  readonly ready: Promise<void>;
  /**
   * The graphs' state, in LangGraph's `PostgresSaver` tables on the same database and
   * schema: LangGraph's saver, writing each checkpoint and each task's writes in one
   * statement (a database either saver wrote is read by the other).
   */
  readonly checkpointer: BaseCheckpointSaver;
  /** How the replicas on this database hand runs to each other. */
  readonly replicas: ReplicaCoordination;
}

/** The drivers, optional peer dependencies: loaded only when a Postgres store is used. */
const DRIVER = "pg";
const SAVER = "@langchain/langgraph-checkpoint-postgres";

async function load<T>(name: string, what: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (err) {
    throw new StoreUnavailableError(
      `the PostgreSQL store needs the package ${name} (${what}): ${messageOf(err)}`,
      "postgres.open",
    );
  }
}

type PgModule = typeof import("pg");
type SaverModule = typeof import("@langchain/langgraph-checkpoint-postgres");

/**
 * A store in PostgreSQL at `url` (e.g. `postgres://user:password@host:5432/db`): the
 * store several replicas of one ACP service share. Its schema is created or migrated at
 * first use, once even when several replicas start at the same moment. Graph state goes
 * to LangGraph's `PostgresSaver` tables in the same schema (`checkpointer`).
 *
 * Needs the optional peer dependencies `pg` and `@langchain/langgraph-checkpoint-postgres`;
 * a missing one is a `StoreUnavailableError` from `ready`. Errors never show the URL,
 * which may hold a password.
 */
export function postgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): PostgresServerStore {
  const schema = options.schema ?? "acp";
  const logger = options.logger ?? console;
  let saver: BaseCheckpointSaver | undefined;
  let newClient: ((applicationName: string) => Client) | undefined;
  const opened = (async () => {
    const pg = await load<PgModule>(DRIVER, "npm install pg");
    const { PostgresSaver } = await load<SaverModule>(SAVER, `npm install ${SAVER}`);
    const { Pool, Client } = pg.default ?? pg;
    newClient = (applicationName) =>
      new Client({ connectionString: url, application_name: applicationName });
    const pool = new Pool({ connectionString: url, max: options.maxConnections ?? 10 });
    // An idle connection that breaks (a restarted database) is replaced at next use.
    pool.on("error", (err) =>
      logger.warn(`postgres store: a connection failed: ${messageOf(err)}`),
    );
    // The pool listens for errors on idle connections only: one that breaks while
    // checked out (a transaction, the checkpointer's writes) would emit an 'error' no
    // one hears, which kills the process. Its query fails and reports it instead.
    pool.on("connect", (client) => client.on("error", () => undefined));
    try {
      const postgresSaver = compactPostgresSaver(PostgresSaver, pool, schema);
      await migrate(pool, schema, () => postgresSaver.setup());
      saver = postgresSaver;
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new StoreUnavailableError(
        `cannot open the database: ${messageOf(err)}`,
        "postgres.open",
      );
    }
    return pool;
  })();
  // Reported through `ready` and the first operation, which await it.
  opened.catch(() => undefined);
  const decoder = new RecordDecoder(logger);
  const threads = new PostgresThreadStore(opened, schema, decoder);
  const runs = new PostgresRunStore(opened, schema, decoder, options.faults, threads);
  const replicas = new PostgresCoordination(
    opened,
    (applicationName) => (newClient as (name: string) => Client)(applicationName),
    runs,
    schema,
    logger,
    options,
  );
  const saverReady = opened.then(() => saver as BaseCheckpointSaver);
  saverReady.catch(() => undefined);
  const ready = opened.then(() => undefined);
  ready.catch(() => undefined);
  return {
    ready,
    checkpointer: new DeferredSaver(saverReady),
    replicas,
    runs,
    threads,
    pushConfigs: new PostgresPushConfigStore(opened, schema, logger),
    async close() {
      await replicas.stop();
      const pool = await opened.catch(() => undefined);
      await pool?.end();
    },
  };
}
