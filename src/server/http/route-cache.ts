/**
 * The server's router: Hono's own (its `SmartRouter`, which settles on the trie router
 * for the protocol's paths), with the answers for paths that carry no parameter kept.
 *
 * The busiest requests (`POST /runs/wait`, `/runs/stream`, `/runs`) name the same few
 * paths over and over; matching one walks the trie and builds the same answer each
 * time. Paths with parameters (a run's or a thread's id) are matched afresh: their
 * answers differ by id, and keeping them would keep every id ever asked for.
 */
import type { Result, Router } from "hono/router";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { SmartRouter } from "hono/router/smart-router";
import { TrieRouter } from "hono/router/trie-router";

/** How many answers the cache keeps before it starts again (any path may be asked for). */
export const ROUTE_CACHE_SIZE = 256;

/** A router that keeps the answers of `inner` for paths without parameters. */
export class CachedRouter<T> implements Router<T> {
  readonly name = "CachedRouter";
  readonly #inner: Router<T>;
  readonly #answers = new Map<string, Result<T>>();

  constructor(inner: Router<T> = defaultRouter<T>()) {
    this.#inner = inner;
  }

  add(method: string, path: string, handler: T): void {
    this.#answers.clear();
    this.#inner.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    const key = `${method} ${path}`;
    const kept = this.#answers.get(key);
    if (kept !== undefined) return kept;
    const answer = this.#inner.match(method, path);
    if (withoutParameters(answer)) {
      // Started again when full: bounded, whatever paths clients make up.
      if (this.#answers.size >= ROUTE_CACHE_SIZE) this.#answers.clear();
      this.#answers.set(key, answer);
    }
    return answer;
  }
}

/** Hono's default router: the regular-expression router, else the trie router. */
function defaultRouter<T>(): Router<T> {
  return new SmartRouter<T>({ routers: [new RegExpRouter<T>(), new TrieRouter<T>()] });
}

/**
 * True when no route of the answer took a parameter from the path. Each route's entry
 * names its parameters, by value (the trie router) or by index into the answer's stash
 * (the regular-expression router): none, when it took none.
 */
function withoutParameters<T>(answer: Result<T>): boolean {
  return answer[0].every(([, params]) => {
    for (const _ in params) return false;
    return true;
  });
}
