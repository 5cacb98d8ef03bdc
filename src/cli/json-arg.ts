/** Reads the JSON values people pass on the command line: inline, or `@file`. */
import { readFileSync } from "node:fs";
import { messageOf } from "../core/message-of.js";
import { CliError } from "./cli-error.js";

/**
 * The JSON value of option `option`: the text itself, or the content of the file
 * named after `@`.
 */
export function parseJsonArg(value: string, option: string): unknown {
  let text = value;
  if (value.startsWith("@")) {
    const file = value.slice(1);
    try {
      text = readFileSync(file, "utf8");
    } catch {
      throw new CliError(`${option}: cannot read file ${file}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const why = messageOf(err);
    throw new CliError(`${option}: not valid JSON (${why})`);
  }
}
