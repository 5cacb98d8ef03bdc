import type { ACPServerLogger } from "../options.js";

/**
 * Delivers run status changes to the `webhook` of the run. Deliveries of one run go
 * out in order, each retried a bounded number of times with backoff; they never
 * block the run, and a failed one is only reported (without the URL, which may carry
 * credentials).
 */
export class WebhookNotifier {
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly retries: number,
    private readonly logger: ACPServerLogger,
  ) {}

  /** Queues one delivery of `body` to `url` for the run `runId`. */
  notify(runId: string, url: string, body: unknown): void {
    const previous = this.queues.get(runId) ?? Promise.resolve();
    const next = previous.then(() => this.deliver(runId, url, JSON.stringify(body)));
    this.queues.set(runId, next);
    void next.finally(() => {
      if (this.queues.get(runId) === next) this.queues.delete(runId);
    });
  }

  /** Resolves when every queued delivery has been made or given up. */
  async drain(): Promise<void> {
    await Promise.all([...this.queues.values()]);
  }

  private async deliver(runId: string, url: string, body: string): Promise<void> {
    for (let attempt = 0; attempt <= this.retries; attempt += 1) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 100 * 2 ** (attempt - 1)));
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        await response.body?.cancel();
        if (response.ok) return;
        if (response.status < 500 && response.status !== 429) break;
      } catch {
        // A network failure is retried like a 5xx.
      }
    }
    this.logger.warn(`webhook delivery for run ${runId} was not accepted`);
  }
}
