/** `ACPClient`'s methods are checked-in source: the file is what its generator writes today. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { clientFile, renderClient } from "../../scripts/generate-client.js";
import { ACPClient } from "../../src/index.js";
import { operations } from "../../src/operations.js";

describe("the generated client", () => {
  it("is up to date with the operation table and the specification (npm run generate:client)", () => {
    expect(readFileSync(clientFile, "utf8")).toBe(renderClient());
  });

  it("has every operation in three flavours as methods of the class itself", () => {
    const own = Object.getOwnPropertyNames(ACPClient.prototype);
    for (const name of Object.keys(operations)) {
      expect(own).toEqual(
        expect.arrayContaining([name, `${name}WithHttpInfo`, `${name}WithoutPreloadContent`]),
      );
    }
    expect(own.filter((m) => m !== "constructor")).toHaveLength(3 * Object.keys(operations).length);
  });
});
