/** One agent's descriptor as the page shows it: description, capabilities, schemas, interrupts, A2A card. */
import { useEffect, useState } from "preact/hooks";
import type { Agent, AgentACPDescriptor } from "../index.js";
import { apiBase } from "./connection.js";
import { html } from "./html.js";
import { json } from "./run-panel.js";

/** The agent and its descriptor. */
export interface AgentViewProps {
  agent: Agent;
  descriptor: AgentACPDescriptor;
  apiKey: string | undefined;
}

/** A schema in a collapsed block. */
const schemaBlock = (title: string, schema: unknown) =>
  schema === undefined
    ? null
    : html`<details><summary>${title}</summary><pre>${json(schema)}</pre></details>`;

/** The descriptor's parts, and the agent's A2A card link when the server serves A2A. */
export function AgentView({ agent, descriptor, apiKey }: AgentViewProps) {
  const card = `${apiBase()}/a2a/${encodeURIComponent(agent.agent_id)}/.well-known/agent-card.json`;
  // Whether the card is served: it is unless the server was started without A2A.
  const [cardState, setCardState] = useState<"checking" | "served" | "absent">("checking");
  useEffect(() => {
    setCardState("checking");
    fetch(card, { headers: apiKey ? { "x-api-key": apiKey } : {} }).then(
      (response) => setCardState(response.ok ? "served" : "absent"),
      () => setCardState("absent"),
    );
  }, [card, apiKey]);
  const specs = descriptor.specs;
  return html`<section class="agent" aria-labelledby="agent-title">
    <h2 id="agent-title">${agent.metadata.ref.name} <small>${agent.metadata.ref.version ?? ""}</small></h2>
    <p id="agent-description">${descriptor.metadata.description ?? "(no description)"}</p>
    <p class="muted" id="agent-id" data-a2a-card=${cardState}>Agent id <code>${agent.agent_id}</code>
      ${cardState === "served" ? html` · <a id="a2a-card" href=${card} target="_blank" rel="noopener">A2A agent card</a>` : null}</p>
    <details open><summary>Capabilities</summary><pre id="agent-capabilities">${json(specs.capabilities)}</pre></details>
    ${schemaBlock("Input schema", specs.input)}
    ${schemaBlock("Output schema", specs.output)}
    ${schemaBlock("Config schema", specs.config)}
    ${specs.interrupts?.length ? schemaBlock("Interrupts", specs.interrupts) : null}
  </section>`;
}
