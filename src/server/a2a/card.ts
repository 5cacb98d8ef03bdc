/**
 * An agent's A2A card, read off its ACP descriptor: its name, version and
 * description, one skill, the capabilities the server really gives it, and the two
 * interfaces it is served on (JSON-RPC at its base URL, HTTP+JSON at `<base>rest`).
 */
import type { AgentCard } from "@a2a-js/sdk";
import type { RegisteredAgent } from "../agents.js";

/** The A2A protocol version the cards declare. */
export const A2A_PROTOCOL_VERSION = "1.0";

/**
 * The card extension whose `params` carry JSON Schemas of what the agent takes and
 * gives (`{ input, output }`): A2A cards have no field for them, and this project's
 * A2ANode reads them from there.
 */
export const JSON_SCHEMA_EXTENSION = "urn:agntcy-acp:a2a:json-schema:v1";

/** The path of an agent's A2A base under the server: `/a2a/<agent id>/`. */
export function agentBasePath(agentId: string): string {
  return `/a2a/${encodeURIComponent(agentId)}/`;
}

/** How the server guards its A2A interfaces, for the card to say. */
export interface CardSecurity {
  /** True when every request must carry the server's key in `x-api-key`. */
  apiKey: boolean;
}

/**
 * The card of `agent` served at `baseUrl` (absolute, ending in `/`). Streaming is
 * declared when the descriptor declares a streaming mode; push notifications when the
 * server sends them (`pushNotifications`: its store keeps configs); the agent's state
 * history stays an ACP thread operation, which A2A v1.0 cards have no capability for.
 */
export function agentCard(
  agent: RegisteredAgent,
  baseUrl: string,
  security: CardSecurity,
  pushNotifications = false,
): AgentCard {
  const { metadata, specs } = agent.descriptor;
  const interfaces = [
    { url: baseUrl, protocolBinding: "JSONRPC" },
    { url: `${baseUrl}rest`, protocolBinding: "HTTP+JSON" },
  ];
  const inputModes = ["application/json", "text/plain"];
  const outputModes = ["application/json", "text/plain"];
  return {
    name: metadata.ref.name,
    description: metadata.description,
    version: metadata.ref.version,
    supportedInterfaces: interfaces.map((i) => ({
      ...i,
      tenant: "",
      protocolVersion: A2A_PROTOCOL_VERSION,
    })),
    provider: undefined,
    ...(metadata.ref.url ? { documentationUrl: metadata.ref.url } : {}),
    capabilities: {
      streaming: agent.streamModes.length > 0,
      pushNotifications,
      extendedAgentCard: false,
      extensions: [
        {
          uri: JSON_SCHEMA_EXTENSION,
          description:
            "JSON Schemas of the agent's input (a data part) and output (the data part of its artifact)",
          required: false,
          params: { input: specs.input, output: specs.output },
        },
      ],
    },
    securitySchemes: security.apiKey
      ? {
          apiKey: {
            scheme: {
              $case: "apiKeySecurityScheme",
              value: { description: "the server's API key", location: "header", name: "x-api-key" },
            },
          },
        }
      : {},
    securityRequirements: security.apiKey ? [{ schemes: { apiKey: { list: [] } } }] : [],
    defaultInputModes: inputModes,
    defaultOutputModes: outputModes,
    skills: [
      {
        id: metadata.ref.name,
        name: metadata.ref.name,
        description: metadata.description,
        tags: ["acp", "langgraph"],
        examples: [],
        inputModes,
        outputModes,
        securityRequirements: [],
      },
    ],
    signatures: [],
  };
}
