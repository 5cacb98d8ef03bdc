import { describe, expect, it } from "vitest";
import { runExample } from "../helpers/run-example.js";

const QUESTION = "the remote agent asks: Buy 3 x ergonomic keyboard for 269.70 EUR?";

describe("example: interrupt", () => {
  it("pauses at the remote request and orders when approved", async () => {
    const { code, stdout } = await runExample("interrupt/main.ts", ["--approve"]);
    expect(code).toBe(0);
    expect(stdout).toContain("(remote) interrupt:");
    expect(stdout).toContain(QUESTION);
    expect(stdout).toContain("resuming with { approved: true }");
    expect(stdout).toContain("order ordered: total 269.7 EUR, order id PO-3-26970");
  });

  it("drops the order when rejected", async () => {
    const { code, stdout } = await runExample("interrupt/main.ts", ["--reject"]);
    expect(code).toBe(0);
    expect(stdout).toContain("resuming with { approved: false }");
    expect(stdout).toContain("order declined: total 269.7 EUR, order id null");
  });

  it("says it answers by default when there is no flag and no terminal", async () => {
    const { code, stdout } = await runExample("interrupt/main.ts");
    expect(code).toBe(0);
    expect(stdout).toContain("stdin is not a terminal: approving by default");
    expect(stdout).toContain("order ordered");
  });

  it("refuses both answers at once in one readable line", async () => {
    const { code, stdout, stderr } = await runExample("interrupt/main.ts", [
      "--approve",
      "--reject",
    ]);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe("error: give --approve or --reject, not both");
    expect(stdout).not.toContain("order ");
  });
});
