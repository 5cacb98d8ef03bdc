import { CliError } from "./cli-error.js";

/** The value of a whole-number option, refused in one line when it is not in `min`..`max`. */
export function wholeNumber(option: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new CliError(
      `${option} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}
