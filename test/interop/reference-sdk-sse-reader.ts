/**
 * A stand-in for the SSE reader of the Python reference SDK (`agntcy_acp`), written
 * from reading `agntcy_acp/server_side_events.py` (`sse_stream` / `sse_astream` with
 * `_decode_chunk_into_lines` and `_parse_event_lines`). It reads a body the way that
 * reader does, so a test can show which bytes of our server it survives:
 *
 * - bytes are decoded as UTF-8 chunk by chunk and cut into lines with Python's
 *   `str.splitlines(keepends=True)`, which also breaks at `\v`, `\f`, `\x1c`-`\x1e`,
 *   U+0085, U+2028 and U+2029, not only at `\n` and `\r`;
 * - a chunk's last piece counts as a line only when it ends in `\n` or `\r`; otherwise
 *   it is held and glued to the next chunk's first piece;
 * - every line read so far is parsed again after each chunk, so each chunk yields
 *   every complete event of the stream from its start once more (the SDK's callers
 *   see earlier events again; the stand-in keeps that, and {@link ReferenceSdkSseReader.events}
 *   gives the stream's events once each, as the last pass sees them);
 * - an event is dispatched at EVERY blank line, whether or not a field came before it,
 *   with type `agent_event` when none was given: a comment followed by a blank line is
 *   an event with empty data;
 * - a line starting with `:` is skipped; `data:` replaces (does not append to) the data;
 *   the value after the first `:` loses all leading whitespace; an `id` holding NUL is
 *   ignored; the id is not carried over to the next event.
 */

/** One event as the reference reader dispatches it (its `SSEvent`). */
export interface ReferenceSseEvent {
  eventType: string;
  eventData: string;
  lastEventId: string;
}

/** What ends a line for Python's `str.splitlines`. */
const PY_LINE_BREAK = "\n\r\v\f\x1c\x1d\x1e\u0085\u2028\u2029";
const PY_LINE = new RegExp(`[^${PY_LINE_BREAK}]*(?:\r\n|[${PY_LINE_BREAK}])?`, "gu");

/** Python's `str.isspace()` characters, which `str.lstrip()` removes. */
const PY_SPACE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: Python counts these separators as whitespace
  /^[\t\n\v\f\r \x1c-\x1f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

/** `text.splitlines(keepends=True)`. */
function splitLinesKeepEnds(text: string): string[] {
  return (text.match(PY_LINE) ?? []).filter((piece) => piece !== "");
}

/** The reference reader, fed one network chunk at a time. */
export class ReferenceSdkSseReader {
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  private held: string[] = [];
  private readonly lines: string[] = [];
  /** Every event dispatched so far, in the order the reference reader yields them. */
  readonly dispatched: ReferenceSseEvent[] = [];
  private lastPass: ReferenceSseEvent[] = [];

  /** Feeds one chunk; returns what the reference reader yields for it. */
  feed(chunk: Uint8Array): ReferenceSseEvent[] {
    const pieces = splitLinesKeepEnds(this.decoder.decode(chunk, { stream: true }));
    const last = pieces.at(-1);
    if (last === undefined) {
      // `chunk_lines[-1]` of an empty list: the SDK raises here.
      throw new Error("IndexError: list index out of range (a chunk decoded to no text)");
    }
    if (pieces.length > 1) {
      this.lines.push(this.held.join("") + pieces[0], ...pieces.slice(1, -1));
      this.held = [];
    }
    if (/[\n\r]$/.test(last)) {
      this.lines.push(this.held.join("") + last);
      this.held = [];
    } else {
      this.held.push(last);
    }
    this.lastPass = parseEventLines(this.lines);
    this.dispatched.push(...this.lastPass);
    return this.lastPass;
  }

  /** The stream's events once each: what the last pass over every line dispatched. */
  get events(): readonly ReferenceSseEvent[] {
    return this.lastPass;
  }
}

/** One pass of `_parse_event_lines` over every line read so far. */
function parseEventLines(lines: readonly string[]): ReferenceSseEvent[] {
  const events: ReferenceSseEvent[] = [];
  let eventType = "";
  let eventData = "";
  let lastEventId = "";
  for (const raw of lines) {
    const line = raw.replace(/[\r\n]+$/, "");
    if (line === "") {
      events.push({
        eventType: eventType || "agent_event",
        eventData: eventData.replace(/\n+$/, ""),
        lastEventId,
      });
      eventType = "";
      eventData = "";
      lastEventId = "";
    }
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const key = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(PY_SPACE, "");
    if (key === "event") eventType = value;
    else if (key === "data") eventData = value;
    else if (key === "id" && !value.includes("\u0000")) lastEventId = value;
  }
  return events;
}

/** Reads a whole response body with the reference reader, chunk by chunk as it arrives. */
export async function readLikeReferenceSdk(
  body: ReadableStream<Uint8Array>,
  onChunk?: (text: string, reader: ReferenceSdkSseReader) => void,
): Promise<{ reader: ReferenceSdkSseReader; raw: string }> {
  const reader = new ReferenceSdkSseReader();
  const text = new TextDecoder();
  let raw = "";
  const chunks = body.getReader();
  for (let next = await chunks.read(); !next.done; next = await chunks.read()) {
    reader.feed(next.value);
    raw += text.decode(next.value, { stream: true });
    onChunk?.(raw, reader);
  }
  return { reader, raw };
}
