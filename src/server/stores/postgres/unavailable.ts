import type { Pool, PoolClient, QueryResult, QueryResultRow } from "pg";
import { messageOf } from "../../../core/message-of.js";
import { StoreUnavailableError } from "../errors.js";
import { boundQuery, PreparedStatements } from "./statements.js";

/** Socket errors of a database that is not there (down, restarting, unreachable). */
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * PostgreSQL's codes of a server that is going away or not taking connections yet:
 * admin_shutdown (a fast restart), crash_shutdown, cannot_connect_now (starting up).
 */
const SERVER_CODES = new Set(["57P01", "57P02", "57P03"]);

/** What the `pg` driver says, without a code, of a connection that is gone. */
const DRIVER_MESSAGES =
  /Connection terminated|connection error and is not queryable|Client was closed and is not queryable|timeout exceeded when trying to connect|Cannot use a pool after calling end/i;

/**
 * True for an error that says the database cannot be reached now, not that the
 * request was wrong: it may succeed once the database is back. Class 08 is
 * PostgreSQL's "connection exception".
 */
export function isConnectionError(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const code = "code" in err && typeof err.code === "string" ? err.code : undefined;
  if (code !== undefined && (SOCKET_CODES.has(code) || SERVER_CODES.has(code))) return true;
  if (code?.startsWith("08")) return true;
  return err instanceof Error && DRIVER_MESSAGES.test(err.message);
}

/**
 * `err` as the store reports it: a connection-class error becomes a
 * `StoreUnavailableError` (answered 503, to be tried again), anything else is as thrown.
 */
export function storeErrorOf(err: unknown, operation: string): unknown {
  if (err instanceof StoreUnavailableError || !isConnectionError(err)) return err;
  return new StoreUnavailableError(`the database cannot be reached: ${messageOf(err)}`, operation);
}

/**
 * The pool as the store's tables and the replicas use it: it waits for the pool to be
 * open, and reports a database that cannot be reached as a `StoreUnavailableError`.
 */
export class StorePool {
  private readonly statements = new PreparedStatements();

  constructor(
    private readonly opened: Promise<Pool>,
    /** Names the store operations in errors, e.g. `runs`. */
    private readonly operation: string,
  ) {}

  async query<R extends QueryResultRow>(text: string, params?: unknown[]): Promise<QueryResult<R>> {
    try {
      return await (await this.opened).query<R>(text, params);
    } catch (err) {
      throw storeErrorOf(err, this.operation);
    }
  }

  /**
   * As `query`, for a statement the store sends at every run: prepared once per
   * connection (see `preparedStatement`), its array parameters sent in binary form
   * (see `binaryArray`). `text` must be one of a fixed set.
   */
  async prepared<R extends QueryResultRow>(
    text: string,
    params: unknown[],
  ): Promise<QueryResult<R>> {
    try {
      const query = boundQuery(this.statements.of(text), params, this.operation);
      return await (await this.opened).query<R>(query);
    } catch (err) {
      throw storeErrorOf(err, this.operation);
    }
  }

  /** Runs `work` on one client of its own (several statements on one session). */
  async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await (await this.opened).connect();
    } catch (err) {
      throw storeErrorOf(err, this.operation);
    }
    let broken: unknown;
    try {
      return await work(client);
    } catch (err) {
      if (isConnectionError(err)) broken = err;
      throw storeErrorOf(err, this.operation);
    } finally {
      // A client whose connection broke is dropped, not handed to the next caller.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }
}
