import { createHash } from "node:crypto";
import type { QueryConfig } from "pg";
import { type ArrayElementType, arrayParameters, withBinaryArrays } from "./binary-arrays.js";

/** A statement the driver prepares once per connection, under `name`. */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
  /** Its parameters cast to arrays (`$3::text[]`), by position: sent in binary form. */
  readonly arrays: ReadonlyMap<number, ArrayElementType>;
}

/**
 * `text` as a statement prepared once per connection: PostgreSQL parses and plans it
 * once there instead of at every call. Its name is a hash of its text, which holds the
 * schema, so that one name never stands for two texts on a connection (the driver
 * refuses that), whichever stores a process opens.
 */
export function preparedStatement(text: string): PreparedStatement {
  return {
    name: `acp_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`,
    text,
    arrays: arrayParameters(text),
  };
}

/**
 * The query that runs `statement` with `values`, its array parameters in binary form
 * (see `binaryArray`); `operation` names the store operation in an encoding error.
 */
export function boundQuery(
  statement: PreparedStatement,
  values: readonly unknown[],
  operation: string,
): QueryConfig {
  return {
    name: statement.name,
    text: statement.text,
    values: withBinaryArrays(values, statement.arrays, operation),
  };
}

/**
 * The prepared statements of a store, by text: a fixed set, its hot statements (never a
 * text built from a request, such as a search's, which would grow it without bound).
 */
export class PreparedStatements {
  private readonly byText = new Map<string, PreparedStatement>();

  of(text: string): PreparedStatement {
    let statement = this.byText.get(text);
    if (!statement) {
      statement = preparedStatement(text);
      this.byText.set(text, statement);
    }
    return statement;
  }
}
