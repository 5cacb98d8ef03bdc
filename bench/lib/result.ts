/** The shape every benchmark reports, so `run.ts` can print and write them alike. */

/** One benchmark's outcome: a table, whether it met its target, and notes. */
export interface BenchResult {
  /** The section title, e.g. "1. Client call overhead". */
  title: string;
  /** What was measured and how, in a sentence or two. */
  method: string;
  /** Column headings of the table. */
  columns: string[];
  /** Rows of the table, already formatted. */
  rows: string[][];
  /** The target, as stated, and whether it was met; absent when there is none. */
  target?: { text: string; met: boolean };
  /** What a reader should know: causes of a miss, caveats. */
  notes?: string[];
  /**
   * The machine's load averages (1, 5 and 15 minutes, `os.loadavg()`) as the benchmark
   * started and as it ended: a loaded machine makes wall-clock ratios noisy.
   */
  load?: { before: number[]; after: number[] };
}

/** Whether a benchmark runs short (`--quick`) or in full. */
export interface BenchMode {
  quick: boolean;
}
