import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Annotation, StateGraph } from "@langchain/langgraph";
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { OpenApiException } from "../../src/index.js";
import {
  ACPNode,
  APIBridgeAgentNode,
  APIBridgeInput,
  APIBridgeOutput,
  type IOMappableNode,
} from "../../src/langgraph/index.js";
import { StatePathError } from "../../src/langgraph/state-paths.js";
import type { AgentACPDescriptor } from "../../src/models/index.js";
import { samplesDir } from "../helpers/spec.js";

const clientConfig = { host: "http://127.0.0.1:9" };

function mailer(extra: Partial<ConstructorParameters<typeof ACPNode>[0]> = {}) {
  return new ACPNode({
    name: "mailcomposer",
    agentId: "agent-1",
    clientConfig,
    inputPath: "mailcomposer.input",
    outputPath: "mailcomposer.output",
    ...extra,
  });
}

describe("ACPNode construction", () => {
  it("exposes what the I/O mapper reads", () => {
    const input = z.object({ topic: z.string() });
    const node = mailer({ inputType: input });
    expect(node.getName()).toBe("mailcomposer");
    expect(node.inputPath).toBe("mailcomposer.input");
    expect(node.outputPath).toBe("mailcomposer.output");
    expect(node.inputType).toBe(input);
    expect(node.descriptor).toBeUndefined();
    expect(node.useThreads).toBe(false);
    const mappable: IOMappableNode = node;
    expect(mappable.getName()).toBe("mailcomposer");
  });

  it("is a node LangGraph accepts by name", () => {
    // LangGraph.js refuses a node named like a state key, so the state key differs here.
    const State = Annotation.Root({ mail: Annotation<Record<string, unknown>> });
    const node = mailer({ inputPath: "mail.input", outputPath: "mail.output" });
    const builder = new StateGraph(State).addNode(node.getName(), node);
    expect(Object.keys(builder.nodes)).toContain("mailcomposer");
  });

  it("refuses bad paths and missing settings with clear errors", () => {
    expect(() => mailer({ inputPath: "a..b" })).toThrow(StatePathError);
    expect(() => mailer({ outputPath: "" })).toThrow(StatePathError);
    expect(() => mailer({ configPath: ".x" })).toThrow(StatePathError);
    expect(() => mailer({ agentId: "" })).toThrow(/mailcomposer.*agentId/);
    expect(() => mailer({ clientConfig: undefined })).toThrow(/mailcomposer.*clientConfig/);
    expect(() => mailer({ name: "" })).toThrow(/name/);
    expect(() => mailer({ checkpointWaitMs: -1 })).toThrow(/mailcomposer.*checkpointWaitMs/);
    expect(() => mailer({ checkpointWaitMs: Number.NaN })).toThrow(/checkpointWaitMs/);
    expect(mailer({ checkpointWaitMs: 0 }).checkpointWaitMs).toBe(0);
    expect(mailer().checkpointWaitMs).toBe(1000);
    for (const bad of [{ inputPath: "a..b" }, { agentId: "" }, { name: "" }]) {
      expect(() => mailer(bad)).toThrow(OpenApiException);
    }
  });

  it("builds validators from a sample descriptor", async () => {
    const descriptor = JSON.parse(
      readFileSync(join(samplesDir, "descriptors/descriptor_ok.json"), "utf8"),
    ) as AgentACPDescriptor;
    const node = ACPNode.fromDescriptor({
      descriptor,
      agentId: "agent-1",
      clientConfig,
      inputPath: "in",
      outputPath: "out",
    });
    expect(node.getName()).toBe("org.agntcy.sample-agent-1");
    expect(node.descriptor).toBe(descriptor);
    expect(node.inputType.safeParse(3).success).toBe(true);
    expect(node.inputType.safeParse("three").success).toBe(false);
    expect(node.outputType.safeParse({ name: 7 }).success).toBe(false);
    expect(node.configType.safeParse({ test: true }).success).toBe(true);
  });
});

describe("APIBridgeAgentNode construction", () => {
  it("has the reference's input and output types", () => {
    expect(APIBridgeInput.parse({ query: "q" })).toEqual({ query: "q" });
    expect(APIBridgeOutput.safeParse({}).success).toBe(false);
    expectTypeOf<APIBridgeInput>().toEqualTypeOf<{ query: string }>();
    expectTypeOf<APIBridgeOutput>().toEqualTypeOf<{ result: string }>();
  });

  it("keeps the service key out of sight", () => {
    const node = new APIBridgeAgentNode({
      name: "bridge",
      host: "http://127.0.0.1:9",
      serviceName: "svc",
      inputPath: "q",
      outputPath: "r",
      serviceApiKey: "very-secret-key",
      bridgeApiKey: "other-secret",
    });
    expect(node.url).toBe("http://127.0.0.1:9/svc/");
    expect(JSON.stringify(node)).not.toContain("very-secret-key");
    expect(JSON.stringify(node)).not.toContain("other-secret");
  });
});
