import type { ThreadService } from "../runs/threads.js";
import type { Handlers } from "./router.js";

/** The handlers of the Threads operations. */
export function threadHandlers(
  threads: ThreadService,
): Pick<
  Handlers,
  | "createThread"
  | "searchThreads"
  | "getThreadHistory"
  | "copyThread"
  | "getThread"
  | "deleteThread"
  | "patchThread"
> {
  return {
    createThread: ({ body }) => threads.create(body),
    searchThreads: ({ body }) => threads.search(body),
    getThreadHistory: ({ path, query }) =>
      threads.history(path.thread_id, query.limit ?? 10, query.before),
    copyThread: ({ path }) => threads.copy(path.thread_id),
    getThread: ({ path }) => threads.get(path.thread_id),
    deleteThread: async ({ path }) => {
      await threads.delete(path.thread_id);
      return undefined;
    },
    patchThread: ({ path, body }) => threads.patch(path.thread_id, body),
  };
}
