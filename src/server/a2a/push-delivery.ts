/**
 * A2A push notifications: each status change of a task's run (it starts or resumes
 * working; it completes, fails, is cancelled or waits for input) is POSTed to every
 * push notification config of the task, as a `StreamResponse` (the artifact first
 * when the run completed with values, then the status update). They are sent by the
 * process that executes the run, wherever the configs were set (they are read from
 * the store, when the write of the change found the run has some), through the server's
 * webhook notifier: its URL policy, its bound on deliveries at once, its time limit,
 * retries and log lines.
 *
 * A config's `authentication` is sent as `Authorization: <scheme> <credentials>`; its
 * `token`, as `X-A2A-Notification-Token` (as the A2A SDKs do).
 */
import { A2A_CONTENT_TYPE, StreamResponse, TaskPushNotificationConfig } from "@a2a-js/sdk";
import { messageOf } from "../../core/message-of.js";
import type { ACPServerLogger } from "../options.js";
import { type RunRecord, toStoredRun } from "../runs/run-record.js";
import type { PushConfigStore } from "../stores/push-configs.js";
import type { StoredRun } from "../stores/store.js";
import type { WebhookNotifier } from "../webhooks/notifier.js";
import { contextOf, statusOf, valuesArtifact } from "./task-view.js";

/** The header a config's `token` is sent in. */
export const PUSH_TOKEN_HEADER = "X-A2A-Notification-Token";

/** How many runs {@link PushDeliveries} remembers what it sent. */
const SENT_RUNS_KEPT = 1000;

/** What push notifications need from the server. */
export interface PushDeliveriesDeps {
  configs: PushConfigStore;
  webhooks: WebhookNotifier<RunRecord>;
  /** The agents served over A2A: the runs of others notify nobody. */
  agentIds: ReadonlySet<string>;
  logger: ACPServerLogger;
}

/** One status change of a run, as its notifications carry it. */
interface Change {
  runId: string;
  /** The run's status: a config is not sent the same one twice in a row. */
  key: string;
  /**
   * Whether the write of the change found configs of the run: most runs have none, and
   * their changes read no configs and make no bodies.
   */
  pushConfigs: boolean | Promise<boolean>;
  /** The notifications' bodies, made only when the run has configs to send them to. */
  bodies: () => unknown[];
}

/** The headers of a notification to `config`. */
function headersOf(config: TaskPushNotificationConfig): Record<string, string> {
  const headers: Record<string, string> = { "content-type": A2A_CONTENT_TYPE };
  const auth = config.authentication;
  if (auth?.scheme && auth.credentials) {
    headers.authorization = `${auth.scheme} ${auth.credentials}`;
  } else if (config.token) {
    headers[PUSH_TOKEN_HEADER] = config.token;
  }
  return headers;
}

/** Sends the push notifications of the runs this process executes. */
export class PushDeliveries {
  /** Per run, the changes whose configs are being read: a run's changes go out in order. */
  readonly #chains = new Map<string, Promise<void>>();
  /**
   * Per run, the change each of its configs was last sent (the last
   * {@link SENT_RUNS_KEPT} runs that sent any): a config set as its run starts or ends
   * may be found both by that change and by {@link sendCurrent}, and is sent it once.
   */
  readonly #sent = new Map<string, Map<string, string>>();

  constructor(private readonly deps: PushDeliveriesDeps) {}

  /** Starts sending on every run change; returns what stops it. */
  listen(): () => void {
    return this.deps.webhooks.onRunChange((run, pushConfigs) => {
      if (pushConfigs !== false && this.deps.agentIds.has(run.agent_id)) {
        this.#enqueue(changeOf(run, pushConfigs));
      }
    });
  }

  /**
   * Sends `config` the run's status as it is now, unless it was sent it already: for a
   * config set with the message that started the run, after the run's start was told.
   */
  sendCurrent(run: RunRecord, config: TaskPushNotificationConfig): void {
    this.#enqueue(changeOf(run, true), [config]);
  }

  /** Queues a change behind the run's earlier ones. */
  #enqueue(change: Change, only?: TaskPushNotificationConfig[]): void {
    const previous = this.#chains.get(change.runId) ?? Promise.resolve();
    const next = previous
      .then(() => this.#send(change, only))
      .catch((err: unknown) =>
        this.deps.logger.warn(
          `A2A push notifications for run ${change.runId} not sent: ${messageOf(err)}`,
        ),
      );
    this.#chains.set(change.runId, next);
    void next.finally(() => {
      if (this.#chains.get(change.runId) === next) this.#chains.delete(change.runId);
    });
  }

  async #send(change: Change, only: TaskPushNotificationConfig[] | undefined): Promise<void> {
    if (!only && !(await change.pushConfigs)) return;
    const configs =
      only ??
      (await this.deps.configs.list(change.runId)).map((c) =>
        TaskPushNotificationConfig.fromJSON(c.config),
      );
    if (configs.length === 0 && !this.#sent.has(change.runId)) return;
    const sent = this.#sent.get(change.runId) ?? new Map<string, string>();
    let bodies: unknown[] | undefined;
    for (const config of configs) {
      if (sent.get(config.id) === change.key) continue;
      sent.set(config.id, change.key);
      bodies ??= change.bodies();
      for (const body of bodies) {
        this.deps.webhooks.notify(change.runId, config.url, body, {
          headers: headersOf(config),
          what: "A2A push notification",
        });
      }
    }
    if (sent.size === 0) return;
    // Most recently sent last: the runs forgotten first are those quiet longest.
    this.#sent.delete(change.runId);
    this.#sent.set(change.runId, sent);
    for (const runId of this.#sent.keys()) {
      if (this.#sent.size <= SENT_RUNS_KEPT) break;
      this.#sent.delete(runId);
    }
  }
}

/**
 * A run's status now, as the notifications that tell it: the run as stored now, the
 * bodies made from it only when they are sent.
 */
function changeOf(run: RunRecord, pushConfigs: boolean | Promise<boolean>): Change {
  const now = toStoredRun(run);
  // A run's status changes each time it is told (working, then stopped, then working
  // again): the status alone tells one change from the one before.
  return { runId: run.run_id, key: run.status, pushConfigs, bodies: () => bodiesOf(now) };
}

/** The notifications that tell a run's status. */
function bodiesOf(run: StoredRun): unknown[] {
  const ids = { taskId: run.run_id, contextId: contextOf(run) };
  const bodies: unknown[] = [];
  if (run.status === "success" && run.output?.type === "result") {
    bodies.push(
      StreamResponse.toJSON({
        payload: {
          $case: "artifactUpdate",
          value: {
            ...ids,
            artifact: valuesArtifact(run.output.values),
            append: false,
            lastChunk: true,
            metadata: undefined,
          },
        },
      }),
    );
  }
  bodies.push(
    StreamResponse.toJSON({
      payload: {
        $case: "statusUpdate",
        value: { ...ids, status: statusOf(run), metadata: undefined },
      },
    }),
  );
  return bodies;
}
