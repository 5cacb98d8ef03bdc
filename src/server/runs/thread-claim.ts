import { ThreadBusyError, ThreadNotFoundError } from "../errors.js";

/** How often a new run tries to take a thread that other new runs keep taking first. */
export const MAX_CLAIM_TURNS = 20;

/**
 * Stores a new run on thread `threadId` with the thread claimed, without reading the
 * thread first: `store` writes the run claiming the thread (over the run `over`, when
 * given) and answers the run that holds it instead (`""`: no such thread), having
 * stored nothing then. A run that holds it is dealt with by `makeWay` (the new run's
 * `multitask_strategy`: refused, cancelled, queued behind), which answers the run to
 * claim the thread over, and the write is tried again; so again when yet another run
 * took the thread meanwhile. A `ThreadNotFoundError` when the thread is missing, a
 * `ThreadBusyError` when it is still taken after `MAX_CLAIM_TURNS` tries.
 */
export async function storeClaiming(
  threadId: string,
  makeWay: (holder: string) => Promise<string | undefined>,
  store: (over: string | undefined) => Promise<string | undefined>,
): Promise<void> {
  let holder = await store(undefined);
  for (let turn = 1; holder !== undefined; turn++) {
    if (holder === "") throw new ThreadNotFoundError(threadId);
    if (turn === MAX_CLAIM_TURNS) throw new ThreadBusyError(threadId, holder);
    holder = await store(await makeWay(holder));
  }
}
