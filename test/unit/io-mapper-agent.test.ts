import type { BaseMessage } from "@langchain/core/messages";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { describe, expect, it } from "vitest";
import {
  IOMapperConfigError,
  IOMapperMissingLLMError,
  IOMapperResponseError,
  IOMapperValidationError,
  IOMappingAgent,
  type IOMappingAgentMetadata,
  type JsonSchema,
} from "../../src/langgraph/io-mapper/index.js";

/** A fake chat model that keeps the messages of every call. */
class RecordingChatModel extends FakeListChatModel {
  prompts: BaseMessage[][] = [];

  override async _generate(messages: BaseMessage[], options?: this["ParsedCallOptions"]) {
    this.prompts.push(messages);
    return super._generate(messages, options);
  }
}

const outputSchema: JsonSchema = {
  type: "object",
  properties: {
    reviewer: {
      type: "object",
      properties: {
        input: {
          type: "object",
          properties: {
            email: { type: "string" },
            audience: { type: "string", enum: ["general", "technical"] },
          },
          required: ["email", "audience"],
        },
      },
    },
  },
};

const inputSchema: JsonSchema = {
  type: "object",
  properties: {
    composer: {
      type: "object",
      properties: {
        output: {
          type: "object",
          properties: {
            messages: { type: "array", items: { type: "string" } },
            secret: { type: "string" },
          },
        },
      },
    },
  },
};

const state = {
  composer: { output: { messages: ["draft one", "Dear all"], secret: "hidden-value" } },
  other: 1,
};

const metadata: IOMappingAgentMetadata = {
  inputFields: ["composer.output.messages"],
  outputFields: ["reviewer.input"],
  inputSchema,
  outputSchema,
  outputDescriptionPrompt: "Put the last message into email; audience is general.",
};

const good = JSON.stringify({ reviewer: { input: { email: "Dear all", audience: "general" } } });

describe("IOMappingAgent construction", () => {
  it("requires at least one input and one output field", () => {
    expect(() => new IOMappingAgent({ metadata: { ...metadata, inputFields: [] } })).toThrow(
      /inputFields must list at least one field/,
    );
    expect(() => new IOMappingAgent({ metadata: { ...metadata, outputFields: [""] } })).toThrow(
      /outputFields\[0\]: a field path must be a non-empty string/,
    );
    expect(
      () => new IOMappingAgent({ metadata: { ...metadata, outputFields: undefined as never } }),
    ).toThrow(IOMapperConfigError);
    expect(() => new IOMappingAgent(undefined as never)).toThrow(/needs \{ metadata \}/);
  });

  it("rejects inconsistent modes and mappings", () => {
    expect(() => new IOMappingAgent({ metadata: { ...metadata, mode: "imperative" } })).toThrow(
      /imperative mode needs a fieldMapping/,
    );
    expect(
      () =>
        new IOMappingAgent({
          metadata: { ...metadata, mode: "compiled", fieldMapping: { "reviewer.input": "$.a" } },
        }),
    ).toThrow(/only used in imperative mode/);
    expect(() => new IOMappingAgent({ metadata: { ...metadata, mode: "magic" as never } })).toThrow(
      /mode must be one of llm, imperative, compiled/,
    );
    expect(
      () =>
        new IOMappingAgent({
          metadata: { ...metadata, fieldMapping: { "reviewer.output": "$.a" } },
        }),
    ).toThrow(/"reviewer\.output" is not one of the output fields/);
    expect(
      () => new IOMappingAgent({ metadata: { ...metadata, inputSchema: "x" as never } }),
    ).toThrow(/inputSchema must be a JSON Schema object/);
  });

  it("chooses its mode from the metadata", () => {
    expect(new IOMappingAgent({ metadata }).mode).toBe("llm");
    const imperative = new IOMappingAgent({
      metadata: { ...metadata, fieldMapping: { "reviewer.input": "$.a" } },
    });
    expect(imperative.mode).toBe("imperative");
    expect(imperative.node).toBe(imperative.langgraphImperative);
  });
});

describe("IOMappingAgent with a model (llm mode)", () => {
  it("sends the reduced schemas, the data and the instructions, and writes the output fields", async () => {
    const llm = new RecordingChatModel({ responses: [`\`\`\`json\n${good}\n\`\`\``] });
    const agent = new IOMappingAgent({ metadata, llm, name: "composer_reviewer" });
    const update = await agent.langgraphNode(state);
    expect(update).toEqual({ reviewer: { input: { email: "Dear all", audience: "general" } } });

    expect(llm.prompts).toHaveLength(1);
    const [system, user] = llm.prompts[0]!.map((m) => String(m.content));
    expect(system).toContain("follow the output JSON Schema exactly");
    expect(user).toContain(JSON.stringify(agent.reducedInputSchema, null, 2));
    expect(user).toContain(JSON.stringify(agent.reducedOutputSchema, null, 2));
    expect(user).toContain('"Dear all"');
    expect(user).toContain("Put the last message into email");
    // only the listed input fields are shown to the model
    expect(user).not.toContain("hidden-value");
    expect(user).not.toContain("secret");
  });

  it("keeps the siblings of the output in the state update", async () => {
    const llm = new FakeListChatModel({ responses: [good] });
    const agent = new IOMappingAgent({
      metadata: { ...metadata, outputFields: ["reviewer.input.email"] },
      llm,
    });
    const update = await agent.langgraphNode({
      ...state,
      reviewer: { input: { audience: "technical" }, keep: true },
    });
    expect(update).toEqual({
      reviewer: { input: { audience: "technical", email: "Dear all" }, keep: true },
    });
  });

  it("uses custom prompt templates", async () => {
    const llm = new RecordingChatModel({ responses: [good] });
    const agent = new IOMappingAgent({
      metadata: {
        ...metadata,
        systemPromptTemplate: "SYS {output_schema}",
        userPromptTemplate: "DATA {input_data}",
      },
      llm,
    });
    await agent.langgraphNode(state);
    const [system, user] = llm.prompts[0]!.map((m) => String(m.content));
    expect(system).toBe(`SYS ${JSON.stringify(agent.reducedOutputSchema, null, 2)}`);
    expect(user?.startsWith("DATA {")).toBe(true);
  });

  it("asks once more with the validation errors, then succeeds", async () => {
    const bad = JSON.stringify({
      reviewer: { input: { email: "Dear all", audience: "everyone" } },
    });
    const llm = new RecordingChatModel({ responses: [bad, good] });
    const agent = new IOMappingAgent({ metadata, llm });
    const update = await agent.langgraphNode(state);
    expect(update).toEqual(JSON.parse(good));
    expect(llm.prompts).toHaveLength(2);
    const retry = llm.prompts[1]!;
    expect(retry).toHaveLength(4);
    expect(String(retry[2]!.content)).toBe(bad);
    expect(String(retry[3]!.content)).toContain(
      "reviewer.input.audience must be equal to one of the allowed values",
    );
  });

  it("fails after the second invalid reply with an error that shows what was wrong", async () => {
    const bad = JSON.stringify({ reviewer: { input: { email: 42 } } });
    const llm = new RecordingChatModel({ responses: [bad, bad, good] });
    const agent = new IOMappingAgent({ metadata, llm, name: "m1" });
    const error = await agent.langgraphNode(state).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IOMapperValidationError);
    const validation = error as IOMapperValidationError;
    expect(validation.where).toBe("output");
    expect(validation.message).toContain('I/O mapper "m1": output does not follow its schema');
    expect(validation.message).toContain("reviewer.input.email must be string");
    expect(validation.message).toContain("must have required property 'audience'");
    expect(llm.prompts).toHaveLength(2);
  });

  it("fails with a response error when the model never answers with JSON", async () => {
    const llm = new RecordingChatModel({ responses: ["I would rather not.", "Still no."] });
    const agent = new IOMappingAgent({ metadata, llm });
    const error = await agent.langgraphNode(state).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IOMapperResponseError);
    expect((error as Error).message).toContain("the model replied without JSON");
    expect((error as Error).message).toContain("Still no.");
    expect(String(llm.prompts[1]![3]!.content)).toContain("it held no JSON object");
  });

  it("takes the model from config.configurable.llm at run time", async () => {
    const agent = new IOMappingAgent({ metadata });
    const llm = new FakeListChatModel({ responses: [good] });
    await expect(agent.langgraphNode(state, { configurable: { llm } })).resolves.toEqual(
      JSON.parse(good),
    );
  });

  it("says clearly when there is no model at all", async () => {
    const agent = new IOMappingAgent({ metadata, name: "lonely" });
    await expect(agent.langgraphNode(state)).rejects.toThrow(IOMapperMissingLLMError);
    await expect(agent.langgraphNode(state, { configurable: {} })).rejects.toThrow(
      /"lonely" needs a chat model: pass one to the mapper or set config.configurable.llm/,
    );
  });
});

describe("IOMappingAgent with a fieldMapping (imperative mode)", () => {
  const imperative: IOMappingAgentMetadata = {
    ...metadata,
    fieldMapping: {
      "reviewer.input.email": "$.composer.output.messages[-1:]",
      "reviewer.input.audience": { value: "general" },
    },
  };

  it("maps without a model", async () => {
    const agent = new IOMappingAgent({ metadata: imperative });
    await expect(agent.langgraphImperative(state)).resolves.toEqual(JSON.parse(good));
  });

  it("rejects input that breaks the input schema", async () => {
    const agent = new IOMappingAgent({ metadata: imperative, name: "imp" });
    const error = await agent
      .langgraphImperative({ composer: { output: { messages: "not a list" } } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IOMapperValidationError);
    expect((error as IOMapperValidationError).where).toBe("input");
    expect((error as Error).message).toContain("composer.output.messages must be array");
  });

  it("rejects output that breaks the output schema", async () => {
    const agent = new IOMappingAgent({
      metadata: {
        ...imperative,
        fieldMapping: { "reviewer.input.email": "$.composer.output.messages[-1:]" },
      },
    });
    await expect(agent.langgraphImperative(state)).rejects.toThrow(
      /must have required property 'audience'/,
    );
  });

  it("reports a failing mapping function with its output path", async () => {
    const agent = new IOMappingAgent({
      metadata: {
        ...metadata,
        fieldMapping: {
          "reviewer.input": () => {
            throw new Error("no luck");
          },
        },
      },
    });
    await expect(agent.langgraphImperative(state)).rejects.toThrow(
      /mapping for "reviewer\.input" failed: no luck/,
    );
  });
});
