/**
 * A `null` in a field the spec makes optional reads as the field being absent;
 * nullable fields, required fields and agent-defined data are left as they are.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dropNullOptionals } from "../../src/client/null-optional.js";
import {
  AgentACPDescriptor,
  RunOutputStream,
  RunStateless,
  RunWaitResponseStateless,
  Thread,
  ThreadState,
} from "../../src/index.js";

const run = () => ({
  run_id: "r",
  thread_id: null,
  agent_id: "a",
  created_at: "2026-11-29T10:58:39.019298",
  updated_at: "2026-11-29T10:58:39",
  status: "success",
  creation: {
    agent_id: "a",
    input: { text: null, list: [null] },
    metadata: null,
    config: { tags: null, recursion_limit: null, configurable: { key: null } },
    webhook: null,
    stream_mode: null,
    after_seconds: null,
  },
});

describe("dropNullOptionals", () => {
  it("drops optional nulls at any depth, keeps nullable ones and agent data", () => {
    const value = run();
    expect(dropNullOptionals(RunStateless, value)).toBe(true);
    expect(value).toEqual({
      run_id: "r",
      agent_id: "a",
      created_at: "2026-11-29T10:58:39.019298",
      updated_at: "2026-11-29T10:58:39",
      status: "success",
      creation: {
        agent_id: "a",
        input: { text: null, list: [null] },
        config: { configurable: { key: null } },
        stream_mode: null,
      },
    });
    expect(RunStateless.parse(value)).toEqual(value);
  });

  it("says false and changes nothing when there is no optional null", () => {
    const value = RunStateless.parse({ ...run(), thread_id: "t", creation: { agent_id: "a" } });
    const before = structuredClone(value);
    expect(dropNullOptionals(RunStateless, value)).toBe(false);
    expect(value).toEqual(before);
  });

  it("leaves a null in a required field for zod to reject", () => {
    const thread = {
      thread_id: "t",
      created_at: "c",
      updated_at: "u",
      metadata: null,
      status: "idle",
      values: null,
      messages: null,
    };
    dropNullOptionals(Thread, thread);
    expect(thread).toEqual({
      thread_id: "t",
      created_at: "c",
      updated_at: "u",
      metadata: null,
      status: "idle",
    });
    expect(Thread.safeParse(thread).success).toBe(false);
    const state = { checkpoint: { checkpoint_id: "c" }, values: null, metadata: null };
    dropNullOptionals(ThreadState, state);
    expect(state).toEqual({ checkpoint: { checkpoint_id: "c" }, values: null });
  });

  it("follows the branch a tag selects, and messages with their content blocks", () => {
    const answer = {
      run: null,
      output: {
        type: "result",
        values: { v: null },
        messages: [
          {
            role: "ai",
            id: null,
            metadata: null,
            content: [{ type: "text", text: "hi", metadata: null }],
          },
        ],
      },
    };
    dropNullOptionals(RunWaitResponseStateless, answer);
    expect(answer).toEqual({
      output: {
        type: "result",
        values: { v: null },
        messages: [{ role: "ai", content: [{ type: "text", text: "hi" }] }],
      },
    });
    const event = {
      id: "1",
      event: "agent_event",
      data: { type: "custom", run_id: null, status: "pending", update: { u: null } },
    };
    dropNullOptionals(RunOutputStream, event);
    expect(event.data).toEqual({ type: "custom", status: "pending", update: { u: null } });
  });

  it("drops the nulls of the reference server's descriptor", () => {
    const descriptor = {
      metadata: { ref: { name: "n", version: "1", url: null }, description: "d" },
      specs: {
        capabilities: {
          threads: false,
          interrupts: null,
          callbacks: false,
          streaming: { values: true, custom: null },
        },
        input: { type: "object", default: null },
        output: {},
        custom_streaming_update: null,
        thread_state: null,
        config: {},
        interrupts: null,
      },
    };
    dropNullOptionals(AgentACPDescriptor, descriptor);
    expect(AgentACPDescriptor.parse(descriptor)).toEqual({
      metadata: { ref: { name: "n", version: "1" }, description: "d" },
      specs: {
        capabilities: { threads: false, callbacks: false, streaming: { values: true } },
        input: { type: "object", default: null },
        output: {},
        config: {},
      },
    });
  });

  it("never changes agent-defined data, whatever it holds", () => {
    // A top-level null is the field's own value: absent, as the other tests show.
    const data = fc.jsonValue().filter((v) => v !== null);
    fc.assert(
      fc.property(data, data, (input, values) => {
        const answer = {
          run: { ...run(), creation: { agent_id: "a", input, metadata: { m: values } } },
          output: { type: "result", values },
        };
        dropNullOptionals(RunWaitResponseStateless, answer);
        expect(answer.run.creation.input).toEqual(input);
        expect(answer.run.creation.metadata).toEqual({ m: values });
        expect(answer.output.values).toEqual(values);
      }),
      { numRuns: 500 },
    );
  });
});
