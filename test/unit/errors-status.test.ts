import { describe, expect, it } from "vitest";
import { ACPRunException, OpenApiException, statusOfErrcode } from "../../src/index.js";

describe("ACPRunException.status", () => {
  it("is the errcode when the errcode is an HTTP error status", () => {
    expect(new ACPRunException("cancelled", 499, "r1").status).toBe(499);
    expect(new ACPRunException("server stopped", 503, "r1").status).toBe(503);
    expect(new ACPRunException("bad input", 422).status).toBe(422);
  });

  it("is 500 when the errcode is absent or not an error status", () => {
    expect(new ACPRunException("failed").status).toBe(500);
    expect(new ACPRunException("failed", 1).status).toBe(500);
    expect(new ACPRunException("failed", 200).status).toBe(500);
    expect(new ACPRunException("failed", 600).status).toBe(500);
    expect(statusOfErrcode(404.5)).toBe(500);
  });

  it("stays an OpenApiException with the errcode in its message", () => {
    const err = new ACPRunException("boom", 503, "run-7");
    expect(err).toBeInstanceOf(OpenApiException);
    expect(err.message).toBe("run run-7 failed (errcode 503): boom");
  });
});
