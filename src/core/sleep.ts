/** Timers longer than this fire at once, so longer waits are cut to it. */
export const maxTimerMs = 2_147_483_647;

/**
 * Resolves after `ms` milliseconds; rejects with the signal's reason as soon as
 * `signal` aborts, so a caller that gives up does not wait out the timer.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      Math.min(Math.max(0, ms), maxTimerMs),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
