import { describe, expect, it } from "vitest";
import { nodePath, remoteThreadId, taskPlace, taskTag } from "../../src/langgraph/task-identity.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("task identity", () => {
  it("tags a task the same way every time, and different tasks differently", async () => {
    const place = { threadId: "t1", checkpointNs: "mailer:1b2c" };
    const tag = await taskTag(place);
    expect(tag).toMatch(/^[0-9a-f]{64}$/);
    expect(await taskTag({ ...place })).toBe(tag);
    expect(await taskTag({ threadId: "t2", checkpointNs: "mailer:1b2c" })).not.toBe(tag);
    expect(await taskTag({ threadId: "t1", checkpointNs: "mailer:9f00" })).not.toBe(tag);
  });

  it("has no tag when the parent has no thread", async () => {
    expect(await taskTag({ threadId: undefined, checkpointNs: "mailer:1b2c" })).toBeUndefined();
  });

  it("reads the place from executionInfo first, then from configurable", () => {
    expect(
      taskPlace({
        configurable: { thread_id: "t", checkpoint_ns: "old:1" },
        executionInfo: {
          checkpointNs: "node:2",
          checkpointId: "c",
          taskId: "2",
          nodeAttempt: 1,
        },
      }),
    ).toEqual({ threadId: "t", checkpointNs: "node:2" });
    expect(taskPlace({ configurable: { checkpoint_ns: "node:3" } })).toEqual({
      threadId: undefined,
      checkpointNs: "node:3",
    });
  });

  it("drops task ids from the node's path", () => {
    expect(nodePath("outer:aa|mailer:bb", "mailer")).toBe("outer|mailer");
    expect(nodePath(undefined, "mailer")).toBe("mailer");
  });

  it("derives one UUID per parent thread and node path", async () => {
    const a = await remoteThreadId("parent-1", "mailer");
    expect(a).toMatch(UUID);
    expect(await remoteThreadId("parent-1", "mailer")).toBe(a);
    expect(await remoteThreadId("parent-2", "mailer")).not.toBe(a);
    expect(await remoteThreadId("parent-1", "outer|mailer")).not.toBe(a);
  });
});
