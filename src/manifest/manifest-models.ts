/**
 * zod schemas of agent manifests: the Agent Manifest definition
 * (`manifest-openapi.yaml` of the ACP specification) and the OASF record form,
 * where the ACP specs and deployment live in the runtime manifest extension.
 * Objects are loose: unknown fields are kept.
 */
import { z } from "zod";
import { AgentACPSpec, AgentMetadata, AgentRef } from "../models/agents.js";

/** How an ACP endpoint is reached. */
export const AgentConnectProtocol = z.looseObject({
  type: z.literal("ACP"),
  url: z.string(),
  agent_id: z.string().optional(),
  authentication: z.record(z.string(), z.unknown()).optional(),
});
export type AgentConnectProtocol = z.infer<typeof AgentConnectProtocol>;

/** A LangGraph agent: where its graph is. */
export const LangGraphConfig = z.looseObject({
  framework_type: z.literal("langgraph"),
  graph: z.string(),
});
/** A LlamaIndex agent: where its workflow is. */
export const LlamaIndexConfig = z.looseObject({
  framework_type: z.literal("llamaindex"),
  path: z.string(),
  interrupts: z
    .record(z.string(), z.looseObject({ interrupt_ref: z.string(), resume_ref: z.string() }))
    .optional(),
});

/** An agent deployed from its source code. */
export const SourceCodeDeployment = z.looseObject({
  type: z.literal("source_code"),
  name: z.string().optional(),
  url: z.string(),
  framework_config: z.discriminatedUnion("framework_type", [LangGraphConfig, LlamaIndexConfig]),
});
/** An agent already running behind an ACP endpoint. */
export const RemoteServiceDeployment = z.looseObject({
  type: z.literal("remote_service"),
  name: z.string().optional(),
  protocol: AgentConnectProtocol,
});
/** An agent shipped as a container image. */
export const DockerDeployment = z.looseObject({
  type: z.literal("docker"),
  name: z.string().optional(),
  image: z.string(),
  protocol: AgentConnectProtocol,
});

/** An environment variable the agent reads. */
export const EnvVar = z.looseObject({
  desc: z.string(),
  name: z.string(),
  required: z.boolean().optional(),
  defaultValue: z.string().optional(),
});

/** Another agent this agent depends on. */
export const AgentDependency = z.looseObject({
  name: z.string(),
  ref: AgentRef,
  deployment_option: z.string().optional(),
  env_var_values: z.record(z.string(), z.unknown()).optional(),
});

/** How the agent can be deployed or consumed. */
export const AgentDeployment = z.looseObject({
  deployment_options: z.array(
    z.discriminatedUnion("type", [SourceCodeDeployment, RemoteServiceDeployment, DockerDeployment]),
  ),
  env_vars: z.array(EnvVar).optional(),
  dependencies: z.array(AgentDependency).optional(),
});
export type AgentDeployment = z.infer<typeof AgentDeployment>;

/** The Agent Manifest definition: a descriptor plus how to deploy the agent. */
export const AgentManifest = z.looseObject({
  metadata: AgentMetadata,
  specs: AgentACPSpec,
  deployment: AgentDeployment.optional(),
});
export type AgentManifest = z.infer<typeof AgentManifest>;

/** The name of the OASF extension that carries an agent's ACP specs and deployment. */
export const RUNTIME_MANIFEST_EXTENSION = "schema.oasf.agntcy.org/features/runtime/manifest";

/** The data of the runtime manifest extension. */
export const RuntimeManifestData = z.looseObject({
  acp: AgentACPSpec,
  deployment: AgentDeployment.optional(),
});
export type RuntimeManifestData = z.infer<typeof RuntimeManifestData>;

/** An OASF agent record: identity at the top, ACP specs in an extension. */
export const OasfAgentRecord = z.looseObject({
  name: z.string(),
  version: z.string(),
  description: z.string(),
  extensions: z.array(z.looseObject({ name: z.string(), data: z.unknown().optional() })),
});
export type OasfAgentRecord = z.infer<typeof OasfAgentRecord>;
