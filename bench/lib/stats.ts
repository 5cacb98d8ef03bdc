/** Medians, percentiles and the alternating rounds every benchmark runs. */

/** The value below which `p` (0..1) of the sorted samples fall. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index] as number;
}

/** The median of the samples. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** One contender of a benchmark: a name and one round of work returning its measure. */
export interface Contender {
  name: string;
  round: () => Promise<number>;
}

/**
 * Runs the contenders in turn, `rounds` times, after one warm-up round each; the
 * order rotates every round so none always runs first. Returns each one's samples.
 */
export async function alternate(
  contenders: readonly Contender[],
  rounds: number,
): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (const contender of contenders) await contender.round();
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const contender = contenders[(i + round) % contenders.length] as Contender;
      samples.get(contender.name)?.push(await contender.round());
    }
  }
  return samples;
}

/**
 * The median over rounds of `a`'s sample over `b`'s in the same round: samples taken
 * next to each other in time, so that a stretch of the machine being slower (another
 * process, its host) weighs on both sides of each ratio instead of on one side's median.
 */
export function pairedRatio(samples: Map<string, number[]>, a: string, b: string): number {
  const as = samples.get(a) ?? [];
  const bs = samples.get(b) ?? [];
  return median(as.slice(0, bs.length).map((value, round) => value / (bs[round] as number)));
}

/** Milliseconds `work` takes. */
export async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/** A number with `digits` decimals, for tables. */
export function fmt(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}
