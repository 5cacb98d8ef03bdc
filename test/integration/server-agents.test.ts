import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ACPDescriptorValidationException,
  type AgentACPDescriptor,
  NotFoundException,
  OpenApiException,
} from "../../src/index.js";
import { validateAgentDescriptor } from "../../src/manifest/index.js";
import { createACPServer, deriveAgentId } from "../../src/server/index.js";
import { echoAgent } from "../helpers/graphs.js";
import { agentIds, useACPServer } from "../helpers/server.js";
import { samplesDir } from "../helpers/spec.js";

const acp = useACPServer();

describe("agents", () => {
  it("searches agents by name and version, with limit and offset", async () => {
    const all = await acp.client.searchAgents({ limit: 100 });
    expect(all.map((a) => a.metadata.ref.name)).toEqual([
      "test.echo",
      "test.custom-streaming",
      "test.interrupt-twice",
      "test.throwing",
      "test.slow",
      "test.plain",
      "test.chat",
    ]);
    expect(await acp.client.searchAgents({})).toHaveLength(7);
    expect((await acp.client.searchAgents({ limit: 2, offset: 1 })).map((a) => a.agent_id)).toEqual(
      [agentIds.custom, agentIds.interrupt],
    );
    const byName = await acp.client.searchAgents({ name: "test.echo", version: "1.0.0" });
    expect(byName).toEqual([
      {
        agent_id: agentIds.echo,
        metadata: {
          ref: { name: "test.echo", version: "1.0.0" },
          description: "test agent test.echo",
        },
      },
    ]);
    expect(await acp.client.searchAgents({ name: "test.echo", version: "2.0.0" })).toEqual([]);
  });

  it("gets an agent and its descriptor by id; unknown ids are 404", async () => {
    expect((await acp.client.getAgentById(agentIds.interrupt)).metadata.ref.name).toBe(
      "test.interrupt-twice",
    );
    const descriptor = await acp.client.getAcpDescriptorById(agentIds.interrupt);
    expect(descriptor.specs.interrupts?.[0]?.interrupt_type).toBe("question");
    expect(descriptor.specs.capabilities.streaming).toEqual({ values: true, custom: true });
    await expect(
      acp.client.getAgentById("5d8a0c8e-0000-4000-8000-000000000000"),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  it("derives the same agent id for the same name and version, every time", () => {
    expect(deriveAgentId("test.echo", "1.0.0")).toBe(agentIds.echo);
    expect(deriveAgentId("test.echo", "1.0.1")).not.toBe(agentIds.echo);
    expect(agentIds.echo).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it("takes an explicit agent id, and refuses two agents with one id", async () => {
    const server = createACPServer({ agents: [{ ...echoAgent(), agentId: "my-echo" }] });
    const answer = await server.fetch(new Request("http://acp/agents/my-echo"));
    expect(answer.status).toBe(200);
    expect(() => createACPServer({ agents: [echoAgent(), echoAgent()] })).toThrow(/already taken/);
    expect(() => createACPServer({ agents: [] })).toThrow(/at least one agent/);
    expect(() => createACPServer({ agents: [] })).toThrow(OpenApiException);
    await server.close();
  });

  it("refuses an invalid descriptor, listing where it is wrong", () => {
    const error = (() => {
      try {
        createACPServer({ agents: [{ graph: echoAgent().graph, descriptor: { metadata: {} } }] });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ACPDescriptorValidationException);
    expect((error as Error).message).toContain("metadata.ref");
  });

  it("words a descriptor's problems as validateAgentDescriptor and acp do", () => {
    const greeter: AgentACPDescriptor = JSON.parse(
      readFileSync(join(import.meta.dirname, "../../examples/first-agent/descriptor.json"), "utf8"),
    );
    const { description: _, ...metadata } = greeter.metadata;
    const descriptor = { ...greeter, metadata };
    const thrown = (() => {
      try {
        createACPServer({ agents: [{ graph: echoAgent().graph, descriptor }] });
      } catch (e) {
        return e;
      }
    })();
    expect(thrown).toBeInstanceOf(ACPDescriptorValidationException);
    expect((thrown as Error).message).toBe(
      "invalid agent descriptor: 1 problem\n  metadata.description: is required",
    );
    expect((thrown as ACPDescriptorValidationException).problems).toEqual(
      validateAgentDescriptor(descriptor).problems,
    );
  });
});

describe("sample descriptors and manifests", () => {
  const read = (path: string) => JSON.parse(readFileSync(join(samplesDir, path), "utf8"));

  it("refuses what the descriptor validator refuses, by the same rules", () => {
    for (const sample of ["descriptor_ko.json", "descriptor_ko_thread_support.json"]) {
      const descriptor = read(`descriptors/${sample}`);
      const refusal = validateAgentDescriptor(descriptor);
      expect(refusal.valid).toBe(false);
      const error = (() => {
        try {
          createACPServer({ agents: [{ graph: echoAgent().graph, descriptor }] });
        } catch (e) {
          return e;
        }
      })() as ACPDescriptorValidationException;
      expect(error).toBeInstanceOf(ACPDescriptorValidationException);
      expect(error.problems).toEqual(refusal.problems);
    }
  });

  it("serves an agent described by a descriptor, a manifest with specs, or an OASF record", async () => {
    const graph = echoAgent().graph;
    const server = createACPServer({
      agents: [
        { graph, descriptor: read("descriptors/descriptor_ok.json") },
        {
          graph,
          descriptor: read("manifests/agent_mailwriter.json"),
          agentId: "0b5c7a8e-1d2f-4e3a-9b8c-7d6e5f4a3b2c",
        },
        { graph, descriptor: read("manifests/manifest_ok_mailcomposer.json") },
      ],
    });
    const search = await server.fetch(
      new Request("http://acp/agents/search", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      }),
    );
    const agents = (await search.json()) as Array<{
      agent_id: string;
      metadata: { ref: { name: string } };
    }>;
    expect(agents.map((a) => a.metadata.ref.name)).toEqual([
      "org.agntcy.sample-agent-1",
      read("manifests/agent_mailwriter.json").metadata.ref.name,
      "org.agntcy.mailcomposer",
    ]);
    const composer = agents[2]?.agent_id as string;
    const descriptor = (await (
      await server.fetch(new Request(`http://acp/agents/${composer}/descriptor`))
    ).json()) as { specs: { capabilities: { interrupts?: boolean }; input: unknown } };
    expect(descriptor.specs.capabilities.interrupts).toBe(true);
    expect(descriptor.specs.input).toEqual(
      read("manifests/manifest_ok_mailcomposer.json").extensions[0].data.acp.input,
    );
    await server.close();
  });
});
