/**
 * How a streamed run is shown: on a terminal, a spinner line with the run's
 * progress, custom updates printed above it and the final values at the end;
 * in a pipe, every event as one JSON line and nothing else.
 */
import type { RunOutputStream } from "../models/streaming.js";
import type { CliIo } from "./io.js";
import { say } from "./io.js";

/** Receives a run's events as they come. */
export interface RunView {
  event(event: RunOutputStream): void;
  /** Stops drawing, so a question can be asked. */
  pause(): void;
  /** The run is over: show its result. */
  finish(): void;
}

const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const clearLine = "\r\x1b[2K";

function terminalView(io: CliIo): RunView {
  let frame = 0;
  let updates = 0;
  let status = "starting";
  let runId: string | undefined;
  let values: unknown;
  let timer: ReturnType<typeof setInterval> | undefined;
  const draw = () => {
    frame = (frame + 1) % frames.length;
    const run = runId ? `run ${runId}` : "run";
    io.stdout.write(
      `${clearLine}${frames[frame]} ${run} · ${status} · ${updates} update${updates === 1 ? "" : "s"}`,
    );
  };
  const start = () => {
    if (timer) return;
    timer = setInterval(draw, 100);
    timer.unref();
  };
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
    io.stdout.write(clearLine);
  };
  return {
    event(event) {
      start();
      updates += 1;
      const data = event.data;
      status = data.status;
      runId = data.run_id ?? runId;
      if (data.type === "values") values = data.values;
      if (data.type === "custom") {
        io.stdout.write(clearLine);
        say(io, JSON.stringify(data.update));
      }
      draw();
    },
    pause: stop,
    finish() {
      stop();
      if (values !== undefined) say(io, JSON.stringify(values, null, 2));
      else say(io, `${runId ? `run ${runId}` : "run"} ended: ${status}`);
    },
  };
}

function pipeView(io: CliIo): RunView {
  return {
    event: (event) => say(io, JSON.stringify(event)),
    pause: () => {},
    finish: () => {},
  };
}

/** The view that suits where stdout goes. */
export function runView(io: CliIo): RunView {
  return io.isTTY ? terminalView(io) : pipeView(io);
}
