import { describe, expect, it } from "vitest";
import { runExample } from "../helpers/run-example.js";

describe("example: a2a", () => {
  it("runs an ACP agent and an A2A agent in one graph, mapped, paused and resumed", async () => {
    const { code, stdout, stderr } = await runExample("a2a/main.ts");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]).toContain("the scripted offline model");
    expect(stdout).toMatch(/itinerary_writer, called over A2A at http:\/\/127\.0\.0\.1:\d+\/a2a\//);
    expect(stdout).toContain(
      "card: org.example.itinerary_writer 1.0.0, JSONRPC and HTTP+JSON, streaming: true",
    );
    // The mapper filled the writer's input from the guide's differently named fields.
    expect(stdout).toContain(
      '* city_guide_itinerary_writer done: {"writer":{"input":{"destination":"Lyon","places":["Vieux Lyon"',
    );
    expect(stdout).toContain(
      '<- itinerary_writer (A2A) status input-required: {"question":"How many days in Lyon?"}',
    );
    expect(stdout).toContain(
      'the A2A agent asks: {"question":"How many days in Lyon?"}; answering 2',
    );
    expect(stdout).toContain("<- itinerary_writer (A2A) status completed");
    expect(stdout).toContain(
      "Day 1 in Lyon: Vieux Lyon, Les Halles Paul Bocuse\nDay 2 in Lyon: Fourvière hill, Parc de la Tête d'Or\n",
    );
    expect(stdout).toContain("the I/O mapper cost 1 LLM call(s)");
  });
});
