/** Picking a thread for a run (one of the server's, or a new one) and reading its state and history. */
import { useEffect, useState } from "preact/hooks";
import type { ACPClient, Thread } from "../index.js";
import { describeError } from "./connection.js";
import { html } from "./html.js";

/** The thread picked, and where a new pick goes. */
export interface ThreadPanelProps {
  client: ACPClient;
  threadId: string | undefined;
  onPick(threadId: string | undefined): void;
}

/** The thread picker with the picked thread's state and history. */
export function ThreadPanel({ client, threadId, onPick }: ThreadPanelProps) {
  const [threads, setThreads] = useState<Thread[]>([]);
  const [view, setView] = useState<{ title: string; value: unknown } | undefined>();
  const [error, setError] = useState<string | undefined>();

  const attempt = async (work: () => Promise<void>) => {
    setError(undefined);
    try {
      await work();
    } catch (failure) {
      setError(describeError(failure));
    }
  };
  const reload = () => attempt(async () => setThreads(await client.searchThreads({ limit: 50 })));
  useEffect(() => {
    void reload();
  }, [client]);

  const create = () =>
    attempt(async () => {
      const thread = await client.createThread({});
      setThreads((previous) => [thread, ...previous]);
      onPick(thread.thread_id);
    });
  const showState = () =>
    attempt(async () => {
      if (!threadId) return;
      const thread = await client.getThread(threadId);
      setView({ title: "Thread state", value: thread.values ?? thread });
    });
  const showHistory = () =>
    attempt(async () => {
      if (!threadId) return;
      setView({ title: "Thread history", value: await client.getThreadHistory(threadId) });
    });

  return html`<fieldset class="threads">
    <legend>Thread</legend>
    <div class="actions">
      <label for="thread-pick">Thread</label>
      <select id="thread-pick" value=${threadId ?? ""}
        onChange=${(e: Event) => onPick((e.target as HTMLSelectElement).value || undefined)}>
        <option value="">(pick a thread)</option>
        ${threads.map((t) => html`<option value=${t.thread_id}>${t.thread_id} (${t.status})</option>`)}
      </select>
      <button type="button" onClick=${create}>New thread</button>
      <button type="button" onClick=${reload}>Reload threads</button>
      <button type="button" onClick=${showState} disabled=${!threadId}>Thread state</button>
      <button type="button" onClick=${showHistory} disabled=${!threadId}>Thread history</button>
    </div>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    ${view ? html`<h4>${view.title}</h4><pre id="thread-view">${JSON.stringify(view.value, null, 2)}</pre>` : null}
  </fieldset>`;
}
