import { describe, expect, it } from "vitest";
import { runExample } from "../helpers/run-example.js";

describe("example: echo", () => {
  it("finds the agent, runs it every way, and cancels a run", async () => {
    const { code, stdout, stderr } = await runExample("echo/main.ts");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/found org\.example\.echo 1\.0\.0: [0-9a-f-]{36}/);
    expect(stdout).toContain("threads: true, streaming: values, custom");
    expect(stdout).toContain("run success: Echo: hello (2 messages)");
    expect(stdout).toContain("thread run success: Echo: first on the thread (2 messages)");
    expect(stdout).toContain("thread run success: Echo: second on the thread (4 messages)");
    expect(stdout).toContain('custom [pending] {"step":"echoing 8 characters"}');
    expect(stdout).toMatch(/values \[success\] Echo: streamed \(2 messages\)/);
    expect(stdout).toMatch(/run [0-9a-f-]{36}: error \(errcode 499: the run was cancelled\)/);
  });
});
