import { describe, expect, it } from "vitest";
import { type Operation, type OperationName, operations } from "../../src/operations.js";

const table = Object.entries(operations) as Array<[OperationName, Operation]>;

describe("the operation table's re-join entries", () => {
  it("name, for every stream, a GET stream that takes its path and the run's id", () => {
    const streams = table.filter(([, op]) => op.stream);
    expect(streams.length).toBeGreaterThan(0);
    for (const [name, op] of streams) {
      const join = operations[op.rejoin as OperationName] as Operation | undefined;
      expect(join, `${name} names no re-join operation`).toBeDefined();
      expect(join?.method).toBe("GET");
      expect(join?.stream).toBe(true);
      if (op.method === "GET") expect(op.rejoin).toBe(name);
      else expect(join?.pathParams).toEqual([...op.pathParams, "run_id"]);
    }
  });

  it("name none for an operation that does not stream", () => {
    expect(table.filter(([, op]) => !op.stream && op.rejoin !== undefined)).toEqual([]);
  });
});

describe("the operation table's wait entries", () => {
  it("mark exactly the four operations that wait for a run's output", () => {
    const waiting = table.filter(([, op]) => op.waits).map(([name]) => name);
    expect(waiting.sort()).toEqual([
      "createAndWaitForStatelessRunOutput",
      "createAndWaitForThreadRunOutput",
      "waitForStatelessRunOutput",
      "waitForThreadRunOutput",
    ]);
    // Each answers a run and its output, never nothing.
    for (const [, op] of table.filter(([, o]) => o.waits)) expect(op.response).not.toBeNull();
  });
});
