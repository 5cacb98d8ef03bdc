import type { Result, Router } from "hono/router";
import { TrieRouter } from "hono/router/trie-router";
import { describe, expect, it } from "vitest";
import { CachedRouter, ROUTE_CACHE_SIZE } from "../../src/server/http/route-cache.js";

/** A trie router that counts the matches it is asked for. */
class CountingRouter implements Router<string> {
  readonly name = "counting";
  readonly inner = new TrieRouter<string>();
  matches = 0;
  add(method: string, path: string, handler: string): void {
    this.inner.add(method, path, handler);
  }
  match(method: string, path: string): Result<string> {
    this.matches += 1;
    return this.inner.match(method, path);
  }
}

function routes() {
  const counting = new CountingRouter();
  const router = new CachedRouter(counting);
  router.add("ALL", "*", "guard");
  router.add("POST", "/runs/wait", "wait");
  router.add("GET", "/runs/:run_id", "get");
  return { counting, router };
}

const handlers = (answer: Result<string>) => answer[0].map(([handler]) => handler);

describe("the server's router", () => {
  it("answers a path without parameters once, and then from what it kept", () => {
    const { counting, router } = routes();
    const first = router.match("POST", "/runs/wait");
    expect(handlers(first)).toEqual(["guard", "wait"]);
    expect(router.match("POST", "/runs/wait")).toBe(first);
    expect(counting.matches).toBe(1);
  });

  it("matches a path with parameters afresh every time, with its own values", () => {
    const { counting, router } = routes();
    const a = router.match("GET", "/runs/a");
    const b = router.match("GET", "/runs/b");
    expect(handlers(a)).toEqual(["guard", "get"]);
    const paramsOf = (answer: Result<string>) => answer[0][1]?.[1] as Record<string, string>;
    expect(paramsOf(a)).toMatchObject({ run_id: "a" });
    expect(paramsOf(b)).toMatchObject({ run_id: "b" });
    router.match("GET", "/runs/a");
    expect(counting.matches).toBe(3);
  });

  it("keeps at most its size of answers, and forgets them when a route is added", () => {
    const { counting, router } = routes();
    router.match("POST", "/runs/wait");
    for (let i = 0; i < ROUTE_CACHE_SIZE; i++) router.match("GET", `/unknown/${i}`);
    // Full, it started again: the first answer is matched anew.
    const before = counting.matches;
    router.match("POST", "/runs/wait");
    expect(counting.matches).toBe(before + 1);

    router.add("POST", "/runs/wait/later", "later");
    router.match("POST", "/runs/wait");
    expect(counting.matches).toBe(before + 2);
  });
});
