/** What the numbers were measured on. */
import { cpus, totalmem } from "node:os";

/** CPU model, core count, memory, Node version and the date, for the results header. */
export function machine(): {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  date: string;
} {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? "unknown",
    cores: list.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
  };
}
