import { describe, expect, it } from "vitest";
import { acpSpec } from "../../src/manifest/acp-spec.js";
import { loadSpec } from "../helpers/spec.js";

describe("the specification shipped in the package", () => {
  it("equals the official ACP OpenAPI document (ACP_SPEC_PATH names another copy to compare)", () => {
    expect(acpSpec).toEqual(loadSpec());
  });
});
