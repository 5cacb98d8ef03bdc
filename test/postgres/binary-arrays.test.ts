/**
 * The store's array parameters go to PostgreSQL in binary form, read by its
 * `array_recv`: every value comes back as it was sent, whatever it holds (quotes,
 * backslashes, braces, NULL, empty strings, the text `NULL`, line breaks, other
 * scripts), and a value of the wrong kind is a typed error naming where it is.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreEncodingError } from "../../src/server/index.js";
import {
  arrayParameters,
  binaryArray,
  withBinaryArrays,
} from "../../src/server/stores/postgres/binary-arrays.js";
import { StorePool } from "../../src/server/stores/postgres/unavailable.js";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../helpers/postgres.js";

const TEXTS = [
  "plain",
  "",
  "NULL",
  null,
  'a "quoted" word',
  "back\\slash and \\\\ two",
  "{braces}, commas, and spaces ",
  "line\nbreak\ttab\r",
  '{"json": ["text", 1, null]}',
  "Grüße, 日本語, 😀",
  "x".repeat(100_000),
];

describe("array parameters' types, read from a statement's casts", () => {
  it("maps each cast parameter's position to its element type", () => {
    const types = arrayParameters(
      "SELECT * FROM unnest($1::text[], $2::integer[], $3::int[], $4::boolean[], $10::bytea[]) WHERE $5 = 1",
    );
    expect([...types]).toEqual([
      [0, "text"],
      [1, "integer"],
      [2, "int"],
      [3, "boolean"],
      [9, "bytea"],
    ]);
  });

  it("leaves out a parameter cast to two types, and arrays of other types", () => {
    const types = arrayParameters(
      "SELECT $1::text[], $1::integer[], $2::uuid[], $3::text[], $3::text[]",
    );
    expect([...types]).toEqual([[2, "text"]]);
  });

  it("encodes only the arrays at those positions", () => {
    const values = withBinaryArrays([["a"], ["b"], "c"], new Map([[0, "text" as const]]), "test");
    expect(Buffer.isBuffer(values[0])).toBe(true);
    expect(values.slice(1)).toEqual([["b"], "c"]);
  });
});

describe("a value an array parameter cannot hold", () => {
  it.each([
    [
      "text",
      [{ an: "object" }],
      "element 0 of parameter $3 is an object, which text[] cannot hold",
    ],
    ["integer", [1, 2.5], "element 1 of parameter $3 is a number, which integer[] cannot hold"],
    ["integer", [2 ** 31], "element 0 of parameter $3 is a number, which integer[] cannot hold"],
    [
      "boolean",
      [true, "yes"],
      "element 1 of parameter $3 is a string, which boolean[] cannot hold",
    ],
    ["bytea", ["bytes"], "element 0 of parameter $3 is a string, which bytea[] cannot hold"],
  ] as const)("a %s array holding %j is refused", (type, values, message) => {
    const encoding = () => binaryArray(type, values, 2, "runs.update");
    expect(encoding).toThrow(StoreEncodingError);
    expect(encoding).toThrow(message);
  });
});

describe.skipIf(!postgresAvailable)("array parameters through PostgreSQL", () => {
  let db: TestDatabase;
  let raw: pg.Pool;
  let pool: StorePool;
  /** The parameters of each query the store's pool handed to the driver, in order. */
  const sent: unknown[][] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    raw = new pg.Pool({ connectionString: db.url, max: 2 });
    const recording = new Proxy(raw, {
      get(target, property) {
        if (property === "query") {
          return (query: pg.QueryConfig) => {
            sent.push(query.values ?? []);
            return target.query(query);
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    pool = new StorePool(Promise.resolve(recording), "test");
  });
  afterAll(async () => {
    await raw?.end();
    await db?.drop();
  });

  /**
   * The array the statement's `$1` was, as PostgreSQL read it, sent back in its text
   * form; the driver was handed it in binary form, as bytes.
   */
  const echo = async (cast: string, values: unknown[]) => {
    const { rows } = await pool.prepared<{ a: unknown }>(`SELECT $1::${cast}[] AS a`, [values]);
    expect(Buffer.isBuffer(sent.at(-1)?.[0])).toBe(true);
    return rows[0]?.a;
  };

  it("reads every text as sent", async () => {
    expect(await echo("text", TEXTS)).toEqual(TEXTS);
  });

  it("reads numbers, bigints and booleans given for text as the driver's text form does", async () => {
    expect(await echo("text", [1, 10n, true])).toEqual(["1", "10", "true"]);
  });

  it("reads integers at both ends of their range, booleans and NULLs", async () => {
    expect(await echo("integer", [0, -1, 2 ** 31 - 1, -(2 ** 31), null])).toEqual([
      0,
      -1,
      2 ** 31 - 1,
      -(2 ** 31),
      null,
    ]);
    expect(await echo("boolean", [true, false, null])).toEqual([true, false, null]);
  });

  it("reads bytes as sent, a Uint8Array view included", async () => {
    const bytes = Buffer.from([0, 1, 2, 0x5c, 0x22, 0x7b, 255]);
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset + 1, 3);
    expect(await echo("bytea", [bytes, null, view, new Uint8Array(0)])).toEqual([
      bytes,
      null,
      Buffer.from([1, 2, 0x5c]),
      Buffer.alloc(0),
    ]);
  });

  it("reads an empty array", async () => {
    expect(await echo("text", [])).toEqual([]);
  });

  it("stores rows through unnest as the driver's text form stores them", async () => {
    await raw.query("CREATE TABLE rows (i integer, t text, b boolean)");
    const ints = TEXTS.map((_, i) => i);
    const flags = TEXTS.map((_, i) => i % 2 === 0);
    await pool.prepared(
      "INSERT INTO rows SELECT * FROM unnest($1::integer[], $2::text[], $3::boolean[])",
      [ints, TEXTS, flags],
    );
    expect(sent.at(-1)?.every((value) => Buffer.isBuffer(value))).toBe(true);
    // The same rows sent by the driver in text form, for comparison.
    await raw.query(
      "INSERT INTO rows SELECT i + 100, t, b FROM unnest($1::integer[], $2::text[], $3::boolean[]) AS r(i, t, b)",
      [ints, TEXTS, flags],
    );
    const { rows } = await raw.query<{ i: number; t: string | null; b: boolean }>(
      "SELECT i, t, b FROM rows ORDER BY i",
    );
    const binary = rows.filter((row) => row.i < 100);
    const text = rows.filter((row) => row.i >= 100).map((row) => ({ ...row, i: row.i - 100 }));
    expect(binary).toEqual(text);
    expect(binary.map((row) => row.t)).toEqual(TEXTS);
  });
});
