/** How a process's main thread spent its time, read from Linux's scheduler statistics. */
import { readFileSync } from "node:fs";

/** Ms a thread has run on a CPU, and waited runnable for one, since it started. */
export interface ThreadTimes {
  onCpu: number;
  waiting: number;
}

/**
 * The times of process `pid`'s main thread (`/proc/<pid>/task/<pid>/schedstat`), or
 * undefined where the system keeps no such file (not Linux, or no scheduler statistics).
 */
export function mainThreadTimes(pid: number | undefined): ThreadTimes | undefined {
  if (pid === undefined) return undefined;
  try {
    const [onCpu, waiting] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8")
      .trim()
      .split(" ")
      .map(Number);
    if (onCpu === undefined || waiting === undefined || Number.isNaN(onCpu + waiting)) {
      return undefined;
    }
    return { onCpu: onCpu / 1e6, waiting: waiting / 1e6 };
  } catch {
    return undefined;
  }
}
