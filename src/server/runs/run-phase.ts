import type { RunStatus } from "../../models/index.js";
import type { CancelAction } from "../../operations.js";
import { type RunEndNotStoredError, RunPhaseError } from "../errors.js";

/**
 * Where a run is in its life as this process sees it. The wire `status` says what the
 * run is; the phase says what this process does with it, and carries exactly what that
 * takes (the leg's controller, its attempt on the replicas' queue, the cancel asked for).
 *
 * The main line, and every transition (`transition` refuses any other):
 *
 * ```text
 *   queued ─claim─▶ claimed ─start─▶ executing ─cancel─▶ stopping ─end─▶ ended
 *                                        │                              ▲
 *                                        └─end─▶ interrupted ─end (a cancel)
 *                                                  │    ▲
 *                     executing ◀─start (a resume)─┘    └─ …
 *
 *   from                          event       to
 *   queued, unstored              claim       claimed
 *   queued, claimed, interrupted  start       executing (an attempt claimed is kept)
 *   executing, stopping           cancel      stopping
 *   executing, stopping, claimed  lose        lost
 *   lost                          relinquish  queued (followed where it goes on)
 *   lost, queued                  handOver    handedOver
 *   interrupted                   requeue     queued (a resume queued for the replicas)
 *   queued, unstored              stored      queued, interrupted or ended, as read
 *   executing, stopping, claimed  end         interrupted or ended
 *   interrupted                   end         ended (not interrupted again)
 *   executing, stopping, claimed  unstore     unstored
 *   interrupted                   unstore     interrupted (its cancel was not stored)
 *   any phase but deleted         delete      deleted
 * ```
 *
 * - `queued`: pending and executing nowhere in this process: stored and waiting to be
 *   claimed (here or by a replica), or executing in another replica and followed here.
 * - `claimed`: this process holds the run's execution (fenced by `attempt` on the
 *   replicas' queue; without one on a store it owns) but executes no leg: about to
 *   start one, or to end the run (a cancel, a recovery, an abandoned run).
 * - `executing`: a leg executes here; `stopping`: the same, asked to stop by a cancel.
 * - `lost`: another replica took the run over; the leg here, if any, is stopping and
 *   this process writes nothing more of the run.
 * - `handedOver`: pending, but this process let it go as it shuts down (given back to
 *   the replicas' queue, or no longer followed): waiters here are told to ask again.
 * - `interrupted`: waits at an interrupt for a resume. `ended`: its end is stored.
 * - `unstored`: its end could not be stored before the store's retries ran out: it has
 *   not ended, and its waiters are told to wait again; a replica may claim it again.
 * - `deleted`: gone from storage; `was` is the phase it was deleted in, whose leg may
 *   still be stopping, and nothing stores the run again.
 */
export type RunPhase =
  | { readonly kind: "queued" }
  | { readonly kind: "claimed"; readonly attempt?: number }
  | ExecutingPhase
  | (Omit<ExecutingPhase, "kind"> & { readonly kind: "stopping"; readonly action: CancelAction })
  | { readonly kind: "lost"; readonly controller?: AbortController; readonly leg?: Promise<void> }
  | { readonly kind: "handedOver" }
  | { readonly kind: "interrupted"; readonly leg?: Promise<void> }
  | { readonly kind: "ended"; readonly leg?: Promise<void> }
  | { readonly kind: "unstored"; readonly error: RunEndNotStoredError }
  | { readonly kind: "deleted"; readonly was: RunPhase };

/** A leg of the run executes in this process. */
export interface ExecutingPhase {
  readonly kind: "executing";
  /** Aborts the leg. */
  readonly controller: AbortController;
  /** Settles once the leg has stopped and its end is stored (its thread freed). */
  readonly leg: Promise<void>;
  /** The execution claimed from the replicas' queue, which fences every write of it. */
  readonly attempt?: number;
}

/** What happens to a run, as far as its phase goes. */
export type RunPhaseEvent =
  | { readonly type: "claim"; readonly attempt?: number }
  | { readonly type: "start"; readonly controller: AbortController; readonly leg: Promise<void> }
  | { readonly type: "cancel"; readonly action: CancelAction }
  | { readonly type: "lose" }
  | { readonly type: "relinquish" }
  | { readonly type: "handOver" }
  | { readonly type: "requeue" }
  | { readonly type: "stored"; readonly status: RunStatus }
  | { readonly type: "end"; readonly status: Exclude<RunStatus, "pending"> }
  | { readonly type: "unstore"; readonly error: RunEndNotStoredError }
  | { readonly type: "delete" };

/** The phase of a run just created or read from the store with `status`. */
export function initialPhase(status: RunStatus): RunPhase {
  if (status === "pending") return { kind: "queued" };
  return status === "interrupted" ? { kind: "interrupted" } : { kind: "ended" };
}

/**
 * The phase a run goes to from `phase` on `event`; a `RunPhaseError` when the run
 * cannot take that event in that phase (an ended run executing again, a queued run
 * stopping at an interrupt it never reached, anything happening to a deleted run).
 */
export function transition(phase: RunPhase, event: RunPhaseEvent): RunPhase {
  const next = step(phase, event);
  if (!next) throw new RunPhaseError(phase.kind, event.type);
  return next;
}

function step(phase: RunPhase, event: RunPhaseEvent): RunPhase | undefined {
  const kind = phase.kind;
  if (kind === "deleted") return undefined;
  const holding = kind === "executing" || kind === "stopping" || kind === "claimed";
  switch (event.type) {
    case "claim":
      if (kind !== "queued" && kind !== "unstored") return undefined;
      return event.attempt === undefined
        ? { kind: "claimed" }
        : { kind: "claimed", attempt: event.attempt };
    case "start": {
      if (kind !== "queued" && kind !== "claimed" && kind !== "interrupted") return undefined;
      const { controller, leg } = event;
      const attempt = kind === "claimed" ? phase.attempt : undefined;
      return attempt === undefined
        ? { kind: "executing", controller, leg }
        : { kind: "executing", controller, leg, attempt };
    }
    case "cancel":
      if (kind !== "executing" && kind !== "stopping") return undefined;
      return { ...phase, kind: "stopping", action: event.action };
    case "lose":
      if (!holding) return undefined;
      return kind === "claimed"
        ? { kind: "lost" }
        : { kind: "lost", controller: phase.controller, leg: phase.leg };
    case "relinquish":
      return kind === "lost" ? { kind: "queued" } : undefined;
    case "handOver":
      return kind === "lost" || kind === "queued" ? { kind: "handedOver" } : undefined;
    case "requeue":
      return kind === "interrupted" ? { kind: "queued" } : undefined;
    case "stored":
      if (kind !== "queued" && kind !== "unstored") return undefined;
      return event.status === "pending" ? phase : initialPhase(event.status);
    case "end": {
      if (!holding && kind !== "interrupted") return undefined;
      // A run waiting at an interrupt only ends (cancelled): it reaches no new interrupt.
      if (kind === "interrupted" && event.status === "interrupted") return undefined;
      const leg = legOf(phase);
      const settled = event.status === "interrupted" ? "interrupted" : "ended";
      return leg === undefined ? { kind: settled } : { kind: settled, leg };
    }
    case "unstore":
      if (kind === "interrupted") return phase; // Its cancel was not stored: it still waits.
      return holding ? { kind: "unstored", error: event.error } : undefined;
    case "delete":
      return { kind: "deleted", was: phase };
  }
}

/** The phase a run acts on: the one it was deleted in, for a deleted run whose leg may still be stopping. */
export function actingPhase(phase: RunPhase): RunPhase {
  return phase.kind === "deleted" ? actingPhase(phase.was) : phase;
}

/** The controller of the leg executing (or stopping) here, if any. */
export function controllerOf(phase: RunPhase): AbortController | undefined {
  const p = actingPhase(phase);
  return p.kind === "executing" || p.kind === "stopping" || p.kind === "lost"
    ? p.controller
    : undefined;
}

/** The last leg executed here, settling once it has stopped and its end is stored. */
export function legOf(phase: RunPhase): Promise<void> | undefined {
  const p = actingPhase(phase);
  return "leg" in p ? p.leg : undefined;
}

/** The attempt this process holds the run's execution by on the replicas' queue, if any. */
export function attemptOf(phase: RunPhase): number | undefined {
  const p = actingPhase(phase);
  return p.kind === "claimed" || p.kind === "executing" || p.kind === "stopping"
    ? p.attempt
    : undefined;
}

/** True while this process executes a leg of the run, or is about to: a cancel stops it here. */
export function isExecuting(phase: RunPhase): boolean {
  return phase.kind === "executing" || phase.kind === "stopping";
}

/**
 * Asks the leg executing here to stop for a cancel: its phase, `stopping`, tells the
 * leg why it stopped. A run that executes nothing here has nothing to stop.
 */
export function stopLeg(record: { phase: RunPhase }, action: CancelAction): void {
  if (isExecuting(record.phase)) {
    record.phase = transition(record.phase, { type: "cancel", action });
  }
  controllerOf(record.phase)?.abort();
}

/** True when the run can be claimed in this phase: queued, or its end not stored. */
export function canClaim(phase: RunPhase): boolean {
  return phase.kind === "queued" || phase.kind === "unstored";
}
