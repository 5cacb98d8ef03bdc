/** Where the command line reads and writes, so commands never reach for globals. */

/** The streams and environment of one `acp` invocation. */
export interface CliIo {
  stdout: NodeJS.WriteStream | NodeJS.WritableStream;
  stderr: NodeJS.WriteStream | NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  /** True when stdout is a terminal: then output is drawn for a person, not for a pipe. */
  isTTY: boolean;
}

/** The process's own streams and environment. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    isTTY: process.stdout.isTTY === true,
  };
}

/** Writes one line to stdout. */
export const say = (io: CliIo, line: string): void => {
  io.stdout.write(`${line}\n`);
};

/** Writes one line to stderr. */
export const warn = (io: CliIo, line: string): void => {
  io.stderr.write(`${line}\n`);
};
