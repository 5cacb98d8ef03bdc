import { messageOf } from "../../core/message-of.js";
import type { ACPServerLogger } from "../options.js";

/** A class name worth showing: an identifier, not whatever text a thrown object's `name` holds. */
const CLASS_NAME = /^[A-Za-z_$][\w$]{0,63}$/;

/**
 * What a client is told about an error a graph raised. A graph's exception text
 * may hold anything its code or its libraries put there (paths, queries, keys),
 * so by default the client gets the error's class and a fixed message, and the
 * full text goes to the server's log; `exposeErrors` sends the full text instead.
 */
export class RunErrorReporter {
  constructor(
    private readonly expose: boolean,
    private readonly logger: ACPServerLogger,
  ) {}

  /** Logs the error of run `runId` in full, and returns the description a client gets. */
  describe(runId: string, err: unknown): string {
    const name = err instanceof Error && CLASS_NAME.test(err.name) ? err.name : "Error";
    const message = messageOf(err);
    this.logger.warn(`run ${runId} failed: ${name}: ${message}`);
    if (this.expose) return message || "the agent failed";
    return `${name}: the agent failed (the server's log has the details)`;
  }
}
