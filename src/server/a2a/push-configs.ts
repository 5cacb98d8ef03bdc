/**
 * The SDK's push notification store over the server's store, so that a config set
 * through one replica is seen by the replica that ends the task's run. A config is
 * checked before it is kept: its URL against the server's webhook policy (the one ACP
 * webhooks go through), its authentication for what a request header can carry, its
 * id for its form; a task has at most `webhooks.maxPushConfigsPerTask` configs.
 */
import { TaskPushNotificationConfig } from "@a2a-js/sdk";
import { RequestMalformedError, TaskNotFoundError } from "@a2a-js/sdk/errors";
import type { PushNotificationStore, ServerCallContext } from "@a2a-js/sdk/server";
import { isThreadId } from "../runs/threads.js";
import type { PushConfigStore } from "../stores/push-configs.js";
import type { WebhookNotifier } from "../webhooks/notifier.js";

/** An HTTP token (RFC 9110), what an authentication scheme is. */
const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What a header value cannot hold. */
const HEADER_BREAK = /[\r\n\0]/;

/**
 * Why `config` cannot be kept, naming the field under `where` (the request's path to
 * the config), or undefined when it can.
 */
export function configRefusal(
  config: TaskPushNotificationConfig,
  where: string,
  webhooks: WebhookNotifier<unknown>,
): string | undefined {
  if (!config.url) return `${where}.url is required`;
  const refusal = webhooks.refusal(config.url);
  if (refusal) return `${where}.url is refused by the server's webhook policy: ${refusal}`;
  if (config.id && !isThreadId(config.id)) {
    return `${where}.id must be 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit`;
  }
  if (HEADER_BREAK.test(config.token)) {
    return `${where}.token cannot hold a line break or NUL: it is sent as a header`;
  }
  const auth = config.authentication;
  if (auth && (auth.scheme || auth.credentials)) {
    if (!HTTP_TOKEN.test(auth.scheme)) {
      return `${where}.authentication.scheme must be an HTTP authentication scheme such as Bearer`;
    }
    if (!auth.credentials || HEADER_BREAK.test(auth.credentials)) {
      return `${where}.authentication.credentials are required, without line breaks or NUL`;
    }
  }
  return undefined;
}

/** Push notification configs of the tasks of one server, kept in its store. */
export class RunPushNotificationStore implements PushNotificationStore {
  constructor(
    private readonly configs: PushConfigStore,
    private readonly webhooks: WebhookNotifier<unknown>,
  ) {}

  /**
   * Checks and keeps a config of a task (its id assigned when empty, in place). A
   * task that is not stored is TaskNotFound; a config refused, or one too many,
   * InvalidParams saying why.
   */
  async save(
    taskId: string,
    _context: ServerCallContext,
    config: TaskPushNotificationConfig,
  ): Promise<void> {
    const refusal = configRefusal(config, "pushNotificationConfig", this.webhooks);
    if (refusal) throw new RequestMalformedError(refusal);
    if (!config.id) config.id = crypto.randomUUID();
    config.taskId = taskId;
    const json = TaskPushNotificationConfig.toJSON(config) as Record<string, unknown>;
    const max = this.webhooks.maxPushConfigsPerTask;
    const outcome = await this.configs.put(taskId, config.id, json, max);
    if (outcome === "no-run") throw new TaskNotFoundError(`task ${taskId} not found`);
    if (outcome === "full") {
      throw new RequestMalformedError(
        `task ${taskId} has ${max} push notification configs already, the most a task may have (webhooks.maxPushConfigsPerTask)`,
      );
    }
  }

  /** The configs of a task, oldest first. */
  async load(taskId: string, _context: ServerCallContext): Promise<TaskPushNotificationConfig[]> {
    return (await this.configs.list(taskId)).map((c) =>
      TaskPushNotificationConfig.fromJSON(c.config),
    );
  }

  /** Deletes a config of a task; deleting one that is not there does nothing. */
  async delete(taskId: string, _context: ServerCallContext, configId?: string): Promise<void> {
    await this.configs.delete(taskId, configId ?? taskId);
  }
}
