/**
 * The people side of the demo: the scripted turns it plays by default, or a person
 * typing at the terminal.
 */
import { createInterface } from "node:readline";

/** What the demo says, turn by turn, when nobody types. */
export const SCRIPTED_TURNS = [
  "Write a marketing email announcing our new SolarBeam X2 portable charger.",
  "Please mention the 20% launch discount for the first week.",
  "OK",
] as const;

/** Who reads the campaign email, and where it goes. */
export const CAMPAIGN_TARGET = {
  audience: "business",
  recipient: "campaign-list@example.com",
} as const;

/** Gives the person's next line, or undefined when they are done. */
export type TurnSource = () => Promise<string | undefined>;

/** Plays the scripted turns and prints each as if typed. */
export function scriptedTurns(turns: readonly string[] = SCRIPTED_TURNS): TurnSource {
  const queue = [...turns];
  return async () => {
    const next = queue.shift();
    if (next !== undefined) console.log(`\nyou> ${next}`);
    return next;
  };
}

/** Reads turns from the terminal; an empty line or end of input ends the conversation. */
export function terminalTurns(): { next: TurnSource; close(): void } {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  return {
    next: async () => {
      process.stdout.write("\nyou> ");
      const { value, done } = await lines.next();
      const line = done ? "" : String(value).trim();
      return line === "" ? undefined : line;
    },
    close: () => rl.close(),
  };
}
