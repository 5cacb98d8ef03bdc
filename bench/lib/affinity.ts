/**
 * Which CPUs processes may run on, set with Linux's `taskset`: a benchmark that keeps
 * a database off its servers' cores. Linux only; elsewhere `canPin` is false.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** True when `taskset` is installed and answers. */
export function canPin(): boolean {
  return spawnSync("taskset", ["-V"], { stdio: "ignore" }).status === 0;
}

/** Lets every thread of `pid` run only on `cpus` (a `taskset` list: "0", "1-3"). */
export function pin(pid: number, cpus: string): void {
  const done = spawnSync("taskset", ["-a", "-p", "-c", cpus, String(pid)], { encoding: "utf8" });
  if (done.status !== 0) {
    throw new Error(`taskset could not pin process ${pid} to CPUs ${cpus}: ${done.stderr.trim()}`);
  }
}

/** The process ids below `root` (its children, theirs, and so on), from `/proc`. */
export function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The fields after the command's closing parenthesis: state, then the parent's id.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(Number(entry), parent);
    } catch {
      // The process ended while the list was read.
    }
  }
  const below: number[] = [];
  const queue = [root];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const [pid, parent] of parents) {
      if (parent === next) {
        below.push(pid);
        queue.push(pid);
      }
    }
  }
  return below;
}
