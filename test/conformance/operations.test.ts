import { describe, expect, it } from "vitest";
import { operations } from "../../src/operations.js";
import { type Json, loadSpec } from "../helpers/spec.js";

const toCamel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

describe("the operation table against the specification", () => {
  const spec = loadSpec();
  const specOps: Json[] = [];
  for (const [path, item] of Object.entries<Json>(spec.paths ?? {})) {
    for (const method of ["get", "post", "patch", "put", "delete"]) {
      if (!item[method]) continue;
      const parameters = [...(item.parameters ?? []), ...(item[method].parameters ?? [])];
      specOps.push({ path, method: method.toUpperCase(), ...item[method], parameters });
    }
  }

  it("has exactly the specification's 30 operations, keyed by camelCase operationId", () => {
    expect(specOps).toHaveLength(30);
    expect(Object.keys(operations).sort()).toEqual(
      specOps.map((o) => toCamel(o.operationId)).sort(),
    );
  });

  it.each(specOps.map((o) => [o.operationId, o]))(
    "%s matches method, path and parameters",
    (_id, specOp: Json) => {
      const op = operations[toCamel(specOp.operationId) as keyof typeof operations];
      expect(op.operationId).toBe(specOp.operationId);
      expect(op.method).toBe(specOp.method);
      expect(op.path).toBe(specOp.path);
      const params: Json[] = specOp.parameters ?? [];
      expect([...op.pathParams].sort()).toEqual(
        params
          .filter((p) => p.in === "path")
          .map((p) => p.name)
          .sort(),
      );
      expect([...op.queryParams].sort()).toEqual(
        params
          .filter((p) => p.in === "query")
          .map((p) => p.name)
          .sort(),
      );
      expect(op.body !== null).toBe(specOp.requestBody !== undefined);
      const success = Object.keys(specOp.responses).find((s) => s.startsWith("2"));
      expect(String(op.successStatus)).toBe(success);
      const content = Object.keys(specOp.responses[success as string].content ?? {});
      expect(op.stream).toBe(content.includes("text/event-stream"));
      expect(op.response === null).toBe(content.length === 0);
    },
  );
});
