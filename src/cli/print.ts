/** Printing lists: lines for a person at a terminal, JSON lines for a pipe. */
import type { CliIo } from "./io.js";
import { say } from "./io.js";

/** Prints each record as `line(record)` on a terminal, as one JSON object per line otherwise. */
export function printRecords<T>(io: CliIo, records: readonly T[], line: (r: T) => string): void {
  if (!io.isTTY) {
    for (const r of records) say(io, JSON.stringify(r));
    return;
  }
  if (records.length === 0) say(io, "(none)");
  for (const r of records) say(io, line(r));
}
