import { describe, expect, it } from "vitest";
import { runExample } from "../helpers/run-example.js";

describe("example: api-bridge", () => {
  it("shows the natural-language request the node sent and the answer it wrote", async () => {
    const { code, stdout, stderr } = await runExample("api-bridge/main.ts");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/the node posts to http:\/\/127\.0\.0\.1:\d+\/sendgrid\//);
    expect(stdout).toContain("    POST /sendgrid/\n    content-type: application/nlq\n");
    expect(stdout).toContain("authorization: Bearer ***");
    expect(stdout).toContain('Send an email to ada@example.com with the subject "Welcome"');
    expect(stdout).toContain(
      'email.output: {"result":"Email accepted for delivery to ada@example.com (id 1)."}',
    );
    expect(stdout).toContain("UnauthorizedException (status 401)");
    expect(stdout).toContain("the key appears in the error: no");
    expect(stdout).toContain("recorded sends: 1");
    expect(stdout).not.toMatch(/Bearer [0-9a-f]{32}/);
  });
});
