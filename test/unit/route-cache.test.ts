import type { Result, Router } from "hono/router";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { TrieRouter } from "hono/router/trie-router";
import { describe, expect, it } from "vitest";
import { CachedRouter, ROUTE_CACHE_SIZE } from "../../src/server/http/route-cache.js";

/** A router (the trie router unless given) that counts the matches it is asked for. */
class CountingRouter implements Router<string> {
  readonly name = "counting";
  matches = 0;
  constructor(readonly inner: Router<string> = new TrieRouter<string>()) {}
  add(method: string, path: string, handler: string): void {
    this.inner.add(method, path, handler);
  }
  match(method: string, path: string): Result<string> {
    this.matches += 1;
    return this.inner.match(method, path);
  }
}

function routes(inner?: Router<string>) {
  const counting = new CountingRouter(inner);
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

  it("tells the regular-expression router's answers with parameters from those without", () => {
    const { counting, router } = routes(new RegExpRouter<string>());
    const wait = router.match("POST", "/runs/wait");
    expect(handlers(wait)).toEqual(["guard", "wait"]);
    expect(router.match("POST", "/runs/wait")).toBe(wait);
    const run = router.match("GET", "/runs/a");
    expect(handlers(run)).toEqual(["guard", "get"]);
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
