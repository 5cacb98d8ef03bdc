import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/**
 * Requires `x-api-key` to equal `apiKey`. Both sides are hashed first so the compare
 * takes the same time whatever the length or content of the guess; the key is never
 * echoed, logged or put in an error.
 */
export function requireApiKey(apiKey: string): MiddlewareHandler {
  const expected = digest(apiKey);
  return async (c, next) => {
    const given = c.req.header("x-api-key");
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      return c.json("missing or invalid x-api-key header", 401);
    }
    await next();
  };
}
