import { describe, expect, it } from "vitest";
import { OpenApiException } from "../../src/index.js";
import {
  RunEndNotStoredError,
  RunPhaseError,
  StateConflictError,
} from "../../src/server/errors.js";
import {
  attemptOf,
  canClaim,
  controllerOf,
  initialPhase,
  legOf,
  type RunPhase,
  type RunPhaseEvent,
  stopLeg,
  transition,
} from "../../src/server/runs/run-phase.js";

const controller = new AbortController();
const leg = Promise.resolve();
const error = new RunEndNotStoredError("run-1", 100, new Error("away"));

const queued: RunPhase = { kind: "queued" };
const claimed: RunPhase = { kind: "claimed", attempt: 2 };
const executing: RunPhase = { kind: "executing", controller, leg, attempt: 2 };
const stopping: RunPhase = { kind: "stopping", controller, leg, action: "interrupt" };
const lost: RunPhase = { kind: "lost", controller, leg };
const handedOver: RunPhase = { kind: "handedOver" };
const interrupted: RunPhase = { kind: "interrupted", leg };
const ended: RunPhase = { kind: "ended", leg };
const unstored: RunPhase = { kind: "unstored", error };
const deleted: RunPhase = { kind: "deleted", was: executing };

const start: RunPhaseEvent = { type: "start", controller, leg };

describe("a run's phase", () => {
  describe("allowed transitions", () => {
    const allowed: Array<[string, RunPhase, RunPhaseEvent, RunPhase]> = [
      ["queued claimed", queued, { type: "claim", attempt: 1 }, { kind: "claimed", attempt: 1 }],
      ["queued claimed without an attempt", queued, { type: "claim" }, { kind: "claimed" }],
      [
        "unstored claimed again",
        unstored,
        { type: "claim", attempt: 3 },
        { kind: "claimed", attempt: 3 },
      ],
      ["queued started", queued, start, { kind: "executing", controller, leg }],
      [
        "claimed started, keeping its attempt",
        claimed,
        start,
        { kind: "executing", controller, leg, attempt: 2 },
      ],
      ["interrupted resumed", interrupted, start, { kind: "executing", controller, leg }],
      [
        "executing cancelled",
        executing,
        { type: "cancel", action: "rollback" },
        { kind: "stopping", controller, leg, attempt: 2, action: "rollback" },
      ],
      [
        "stopping cancelled again",
        stopping,
        { type: "cancel", action: "rollback" },
        { kind: "stopping", controller, leg, action: "rollback" },
      ],
      ["executing lost", executing, { type: "lose" }, lost],
      ["stopping lost", stopping, { type: "lose" }, lost],
      ["claimed lost", claimed, { type: "lose" }, { kind: "lost" }],
      ["lost relinquished", lost, { type: "relinquish" }, queued],
      ["lost handed over", lost, { type: "handOver" }, handedOver],
      ["queued handed over", queued, { type: "handOver" }, handedOver],
      ["interrupted queued again", interrupted, { type: "requeue" }, queued],
      ["queued read pending", queued, { type: "stored", status: "pending" }, queued],
      [
        "queued read interrupted",
        queued,
        { type: "stored", status: "interrupted" },
        { kind: "interrupted" },
      ],
      ["queued read ended", queued, { type: "stored", status: "success" }, { kind: "ended" }],
      ["unstored read ended", unstored, { type: "stored", status: "error" }, { kind: "ended" }],
      ["unstored read pending", unstored, { type: "stored", status: "pending" }, unstored],
      ["executing ended", executing, { type: "end", status: "success" }, ended],
      ["executing at an interrupt", executing, { type: "end", status: "interrupted" }, interrupted],
      ["stopping ended", stopping, { type: "end", status: "error" }, ended],
      ["claimed ended", claimed, { type: "end", status: "error" }, { kind: "ended" }],
      ["interrupted ended by a cancel", interrupted, { type: "end", status: "error" }, ended],
      ["executing unstored", executing, { type: "unstore", error }, unstored],
      ["stopping unstored", stopping, { type: "unstore", error }, unstored],
      ["claimed unstored", claimed, { type: "unstore", error }, unstored],
      [
        "interrupted whose cancel was not stored",
        interrupted,
        { type: "unstore", error },
        interrupted,
      ],
      ["executing deleted", executing, { type: "delete" }, deleted],
      ["ended deleted", ended, { type: "delete" }, { kind: "deleted", was: ended }],
      ["queued deleted", queued, { type: "delete" }, { kind: "deleted", was: queued }],
    ];
    it.each(allowed)("%s", (_name, from, event, to) => {
      expect(transition(from, event)).toEqual(to);
    });
  });

  describe("refused transitions", () => {
    const refused: Array<[string, RunPhase, RunPhaseEvent]> = [
      ["ended executing again", ended, start],
      ["ended claimed", ended, { type: "claim", attempt: 1 }],
      ["ended cancelled", ended, { type: "cancel", action: "interrupt" }],
      ["ended ending again", ended, { type: "end", status: "success" }],
      ["queued at an interrupt without executing", queued, { type: "end", status: "interrupted" }],
      ["queued ended without executing", queued, { type: "end", status: "success" }],
      ["queued cancelled as if executing here", queued, { type: "cancel", action: "interrupt" }],
      ["queued relinquished", queued, { type: "relinquish" }],
      ["interrupted at an interrupt again", interrupted, { type: "end", status: "interrupted" }],
      ["interrupted claimed", interrupted, { type: "claim", attempt: 1 }],
      ["interrupted lost", interrupted, { type: "lose" }],
      ["executing started twice", executing, start],
      ["executing claimed", executing, { type: "claim", attempt: 3 }],
      ["executing read from the store", executing, { type: "stored", status: "success" }],
      ["executing handed over before its leg gave it back", executing, { type: "handOver" }],
      ["claimed cancelled with no leg to stop", claimed, { type: "cancel", action: "interrupt" }],
      ["lost ended", lost, { type: "end", status: "success" }],
      ["lost lost again", lost, { type: "lose" }],
      ["lost started", lost, start],
      ["handedOver started", handedOver, start],
      ["handedOver ended", handedOver, { type: "end", status: "success" }],
      ["unstored started without a claim", unstored, start],
      ["unstored handed over", unstored, { type: "handOver" }],
      ["deleted started", deleted, start],
      ["deleted claimed", deleted, { type: "claim", attempt: 1 }],
      ["deleted cancelled", deleted, { type: "cancel", action: "interrupt" }],
      ["deleted ended", deleted, { type: "end", status: "success" }],
      ["deleted read from the store", deleted, { type: "stored", status: "success" }],
      ["deleted deleted again", deleted, { type: "delete" }],
      ["deleted lost", deleted, { type: "lose" }],
      ["deleted unstored", deleted, { type: "unstore", error }],
      ["deleted queued again", deleted, { type: "requeue" }],
      ["deleted relinquished", deleted, { type: "relinquish" }],
      ["deleted handed over", deleted, { type: "handOver" }],
    ];
    it.each(refused)("%s", (_name, from, event) => {
      const refusal = (() => {
        try {
          transition(from, event);
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      expect(refusal).toBeInstanceOf(RunPhaseError);
      expect(refusal).toBeInstanceOf(StateConflictError);
      expect(refusal).toBeInstanceOf(OpenApiException);
      expect((refusal as RunPhaseError).phase).toBe(from.kind);
      expect((refusal as RunPhaseError).event).toBe(event.type);
    });
  });

  it("starts queued, interrupted or ended, as the status it is created or read with says", () => {
    expect(initialPhase("pending")).toEqual(queued);
    expect(initialPhase("interrupted")).toEqual({ kind: "interrupted" });
    expect(initialPhase("success")).toEqual({ kind: "ended" });
    expect(initialPhase("timeout")).toEqual({ kind: "ended" });
  });

  it("a deleted run still shows the leg, controller and attempt of the phase it was deleted in", () => {
    expect(controllerOf(deleted)).toBe(controller);
    expect(legOf(deleted)).toBe(leg);
    expect(attemptOf(deleted)).toBe(2);
    expect(attemptOf(lost)).toBeUndefined();
    expect(legOf(queued)).toBeUndefined();
    expect(canClaim(queued) && canClaim(unstored) && !canClaim(ended)).toBe(true);
  });

  it("a cancel stops the leg executing here, and does nothing to a run executing nothing here", () => {
    const own = new AbortController();
    const record: { phase: RunPhase } = { phase: { kind: "executing", controller: own, leg } };
    stopLeg(record, "rollback");
    expect(record.phase).toMatchObject({ kind: "stopping", action: "rollback" });
    expect(own.signal.aborted).toBe(true);
    const waiting: { phase: RunPhase } = { phase: queued };
    stopLeg(waiting, "interrupt");
    expect(waiting.phase).toBe(queued);
  });
});
