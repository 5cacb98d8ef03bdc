/**
 * A hostile answer: a body of up to 1 GiB written as fast as the client reads
 * it, until the client hangs up. What was written tells how far the client read.
 */
import type { ServerResponse } from "node:http";

/** The size a hostile body claims to have, and writes when the client lets it. */
export const ONE_GIB = 1024 ** 3;

const letters = Buffer.alloc(64 * 1024, "a");

/**
 * Writes `prefix`, then `filler` again and again until `total` bytes have gone
 * out or the connection closes; resolves to the bytes written.
 */
export async function flood(
  res: ServerResponse,
  prefix: string,
  filler: Buffer = letters,
  total = ONE_GIB,
): Promise<number> {
  let closed = false;
  res.on("close", () => {
    closed = true;
  });
  res.on("error", () => undefined);
  let written = 0;
  const write = (data: Buffer | string) =>
    new Promise<void>((resolve) => {
      written += Buffer.byteLength(data);
      if (res.write(data)) resolve();
      else {
        const done = () => {
          res.off("drain", done);
          res.off("close", done);
          resolve();
        };
        res.on("drain", done);
        res.on("close", done);
      }
    });
  await write(prefix);
  while (!closed && written < total) await write(filler);
  res.end();
  return written;
}
