import { describe, expect, it } from "vitest";
import { acpSpec } from "../../src/manifest/acp-spec.js";
import { loadSpec } from "../helpers/spec.js";

describe("the specification shipped in the package", () => {
  it("equals the official ACP OpenAPI document (regenerate with scripts/generate-acp-spec.mjs)", () => {
    expect(acpSpec).toEqual(loadSpec());
  });
});
