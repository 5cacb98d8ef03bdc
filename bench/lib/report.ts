/** Benchmark results as Markdown. */
import { machine } from "./machine.js";
import type { BenchMode, BenchResult } from "./result.js";

/** A Markdown table with padded columns, laid out as the project's formatter lays it out. */
function table(columns: readonly string[], rows: readonly string[][]): string {
  const widths = columns.map((c, i) =>
    Math.max(3, c.length, ...rows.map((r) => (r[i] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${widths.map((w, i) => (cells[i] ?? "").padEnd(w)).join(" | ")} |`;
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** One section per result; with `header`, the machine and date first. */
export function renderResults(
  results: readonly BenchResult[],
  mode: BenchMode,
  header: boolean,
): string {
  const parts: string[] = [];
  if (header) {
    const m = machine();
    parts.push(
      "# Benchmark results",
      "",
      `Measured ${m.date} on ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB RAM, Node ${m.node}` +
        `${mode.quick ? " (quick mode)" : ""}. Run them with \`npm run bench\` (\`-- --quick\` for a short run).`,
      "",
      table(
        ["benchmark", "target", "met"],
        results.map((r) => [
          r.title,
          r.target?.text ?? "(report only)",
          r.target ? (r.target.met ? "yes" : "**no**") : "-",
        ]),
      ),
      "",
    );
  }
  for (const result of results) {
    parts.push(`## ${result.title}`, "", result.method, "", table(result.columns, result.rows), "");
    if (result.target)
      parts.push(`Target: ${result.target.text}: ${result.target.met ? "met" : "**missed**"}.`, "");
    const notes = [...(result.notes ?? [])];
    if (result.load) {
      const avg = (l: number[]) => l.map((v) => v.toFixed(2)).join(" / ");
      notes.push(
        `Machine load (1 / 5 / 15 min load average) at the start: ${avg(result.load.before)}; at the end: ${avg(result.load.after)}.`,
      );
    }
    for (const note of notes) parts.push(`- ${note}`);
    if (notes.length) parts.push("");
  }
  return parts.join("\n");
}
