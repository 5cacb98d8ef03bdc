/**
 * The A2A request handler's event bus calls its listeners as the SDK's bus (an
 * `EventTarget`) does: in the order added, those added once a single time, those removed
 * during a call no longer, those added during a call not for that event; and it tells
 * when nobody listens any more.
 */
import { AgentEvent, type AgentExecutionEvent } from "@a2a-js/sdk/server";
import { describe, expect, it } from "vitest";
import { RunEventBus } from "../../src/server/a2a/event-bus.js";

const event = (id: string): AgentExecutionEvent =>
  AgentEvent.statusUpdate({ taskId: id, contextId: "c", status: undefined, metadata: undefined });

const idOf = (e: AgentExecutionEvent) => (e.kind === "statusUpdate" ? e.data.taskId : "?");

describe("the A2A event bus", () => {
  it("calls its listeners in order, once-listeners once, and leaves out those removed", () => {
    const bus = new RunEventBus();
    const calls: string[] = [];
    const first = (e: AgentExecutionEvent) => calls.push(`first ${idOf(e)}`);
    const once = (e: AgentExecutionEvent) => calls.push(`once ${idOf(e)}`);
    const last = (e: AgentExecutionEvent) => {
      calls.push(`last ${idOf(e)}`);
      // Added during a call: heard from the next event on.
      if (idOf(e) === "1") bus.on("event", added);
    };
    const added = (e: AgentExecutionEvent) => calls.push(`added ${idOf(e)}`);
    bus.on("event", first).once("event", once).on("event", last);
    bus.publish(event("1"));
    bus.off("event", first);
    bus.publish(event("2"));
    expect(calls).toEqual(["first 1", "once 1", "last 1", "last 2", "added 2"]);
  });

  it("skips a listener removed by one called before it", () => {
    const bus = new RunEventBus();
    const calls: string[] = [];
    const second = () => calls.push("second");
    bus.on("event", () => {
      calls.push("first");
      bus.off("event", second);
    });
    bus.on("event", second);
    bus.publish(event("1"));
    expect(calls).toEqual(["first"]);
  });

  it("is unheard once its last event listener left, or once it finished", () => {
    const bus = new RunEventBus();
    const listener = () => undefined;
    bus.on("event", listener).on("event", listener);
    bus.off("event", listener);
    expect(bus.unheard.aborted).toBe(false);
    bus.off("event", listener);
    expect(bus.unheard.aborted).toBe(true);

    const finishing = new RunEventBus();
    const finished: string[] = [];
    finishing.on("event", listener).once("finished", () => finished.push("once"));
    finishing.on("finished", () => finished.push("each"));
    finishing.finished();
    finishing.finished();
    expect(finished).toEqual(["once", "each", "each"]);
    expect(finishing.unheard.aborted).toBe(true);
  });
});
