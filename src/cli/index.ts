#!/usr/bin/env node
/** The `acp` executable. */
import { processIo } from "./io.js";
import { runCli } from "./main.js";

runCli(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
});
