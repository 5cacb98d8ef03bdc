/** The playground: the API key when the server wants one, the agents, and the picked agent's run panel. */
import { useEffect, useMemo, useState } from "preact/hooks";
import type { Agent, AgentACPDescriptor } from "../index.js";
import { AgentView } from "./agent-view.js";
import { clientFor, describeError, needsKey, storedKey, storeKey } from "./connection.js";
import { html } from "./html.js";
import { RunPanel } from "./run-panel.js";

/** The whole page. */
export function App() {
  const [apiKey, setApiKey] = useState(storedKey);
  const client = useMemo(() => clientFor(apiKey), [apiKey]);
  const [agents, setAgents] = useState<Agent[] | undefined>();
  const [askKey, setAskKey] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [picked, setPicked] = useState<{ agent: Agent; descriptor: AgentACPDescriptor }>();

  useEffect(() => {
    setError(undefined);
    client.searchAgents({}).then(
      (found) => {
        setAskKey(false);
        setAgents(found);
      },
      (failure) => {
        if (needsKey(failure)) setAskKey(true);
        else setError(describeError(failure));
      },
    );
  }, [client]);

  const useKey = (key: string | undefined) => {
    storeKey(key ?? "");
    setApiKey(key);
  };

  const pick = async (agent: Agent) => {
    setError(undefined);
    try {
      setPicked({ agent, descriptor: await client.getAcpDescriptorById(agent.agent_id) });
    } catch (failure) {
      setError(describeError(failure));
    }
  };

  return html`<header><h1>ACP playground</h1>
      ${apiKey ? html`<button type="button" onClick=${() => useKey(undefined)}>Forget API key</button>` : null}
    </header>
    ${askKey ? html`<${KeyForm} retry=${apiKey !== undefined} onKey=${useKey} />` : null}
    ${error ? html`<p class="error" role="alert" id="page-error">${error}</p>` : null}
    <div class="layout">
      <nav aria-label="Agents">
        <h2>Agents</h2>
        ${agents === undefined && !askKey && !error ? html`<p>Loading…</p>` : null}
        <ul class="agents">
          ${(agents ?? []).map(
            (agent) => html`<li><button type="button" class="agent-pick"
              aria-pressed=${picked?.agent.agent_id === agent.agent_id}
              onClick=${() => pick(agent)}>${agent.metadata.ref.name}</button></li>`,
          )}
        </ul>
      </nav>
      <main>
        ${
          picked
            ? html`<${AgentView} agent=${picked.agent} descriptor=${picked.descriptor} apiKey=${apiKey} />
              <${RunPanel} key=${picked.agent.agent_id} client=${client} agentId=${picked.agent.agent_id}
                descriptor=${picked.descriptor} withKey=${apiKey !== undefined} />`
            : html`<p class="muted">Pick an agent to see its descriptor and run it.</p>`
        }
      </main>
    </div>`;
}

/** Asks for the server's API key; it is kept in this tab's sessionStorage only. */
function KeyForm({ retry, onKey }: { retry: boolean; onKey(key: string): void }) {
  const [key, setKey] = useState("");
  return html`<form class="key" onSubmit=${(e: Event) => {
    e.preventDefault();
    if (key) onKey(key);
  }}>
    <label for="api-key">This server needs an API key${retry ? " (the one given was refused)" : ""}</label>
    <input id="api-key" type="password" autocomplete="off" value=${key}
      onInput=${(e: Event) => setKey((e.target as HTMLInputElement).value)} />
    <button type="submit">Use key</button>
    <small>Kept in this tab only (sessionStorage).</small>
  </form>`;
}
