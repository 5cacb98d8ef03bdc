/**
 * The stand-in sends the bytes the Python reference server sends. The expected
 * texts below are what the reference's own generated pydantic models give for the
 * same values (FastAPI's response serialisation for answers, the models' `to_json()`
 * for stream events), so a drift in the stand-in shows here before it can make the
 * client tests prove less than they claim.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPOSER_ID, composerAgent } from "./reference-server/agents.js";
import { fastapiJson, pythonJson } from "./reference-server/python-json.js";
import { type StandInServer, startReferenceServer } from "./reference-server/server.js";

let standIn: StandInServer;

beforeAll(async () => {
  standIn = await startReferenceServer({ agents: [composerAgent()] });
});

afterAll(async () => {
  await standIn.close();
});

async function exchange(method: string, path: string, body?: unknown) {
  const response = await fetch(`${standIn.url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    text: await response.text(),
  };
}

describe("python-json", () => {
  it("writes what json.dumps writes, with and without ensure_ascii", () => {
    const value = { s: "é\u2028😀\x7f\n", f: 1e16, g: 1.5e-7, h: 0.25, n: null, l: [1, true] };
    expect(pythonJson(value)).toBe(
      '{"s": "\\u00e9\\u2028\\ud83d\\ude00\\u007f\\n", "f": 1e+16, "g": 1.5e-07, "h": 0.25, "n": null, "l": [1, true]}',
    );
    expect(fastapiJson(value)).toBe(
      '{"s":"é\u2028😀\x7f\\n","f":1e+16,"g":1.5e-07,"h":0.25,"n":null,"l":[1,true]}',
    );
  });
});

describe("the stand-in's bytes", () => {
  it("an agent, with its unset url as null", async () => {
    expect(await exchange("GET", `/agents/${COMPOSER_ID}`)).toEqual({
      status: 200,
      type: "application/json",
      text: `{"agent_id":"${COMPOSER_ID}","metadata":{"ref":{"name":"org.example.composer","version":"0.1.0","url":null},"description":"Writes a short text on a topic"}}`,
    });
  });

  it("a run, in field order, with the creation's unset fields as null", async () => {
    const create = {
      agent_id: COMPOSER_ID,
      input: { topic: "é" },
      config: { configurable: { style: "plain" } },
    };
    const { text } = await exchange("POST", "/runs", create);
    const { run_id, thread_id, created_at } = JSON.parse(text);
    expect(text).toBe(
      `{"run_id":"${run_id}","thread_id":"${thread_id}","agent_id":"${COMPOSER_ID}","created_at":"${created_at}","updated_at":"${created_at}","status":"pending","creation":{"agent_id":"${COMPOSER_ID}","input":{"topic":"é"},"metadata":null,"config":{"tags":null,"recursion_limit":null,"configurable":{"style":"plain"}},"webhook":null,"stream_mode":null,"on_disconnect":"cancel","multitask_strategy":"reject","after_seconds":null,"on_completion":"delete"}}`,
    );
    expect(created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/);
  });

  it("a stream: ids from 1 on each connection, Python's json.dumps in data", async () => {
    const create = {
      agent_id: COMPOSER_ID,
      input: { topic: "ü" },
      config: { configurable: { style: "plain" } },
    };
    const response = await fetch(`${standIn.url}/runs/stream`, {
      method: "POST",
      headers: { "content-type": "application/json", "last-event-id": "41" },
      body: JSON.stringify(create),
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const text = await response.text();
    const runId = /"run_id": "([^"]+)"/.exec(text)?.[1];
    const frame = (id: number, status: string, values: string) =>
      `id: ${id}\nevent: agent_event\ndata: {"type": "values", "run_id": "${runId}", "status": "${status}", "values": ${values}}\n\n`;
    expect([
      frame(1, "pending", '{"draft": "draft on \\u00fc"}') +
        frame(2, "pending", '{"answer": "draft on \\u00fc, polished"}'),
      frame(1, "pending", '{"draft": "draft on \\u00fc"}') +
        frame(2, "success", '{"answer": "draft on \\u00fc, polished"}'),
    ]).toContain(text);
  });

  it("error bodies: FastAPI's detail string and list, an empty 404, plain text 500", async () => {
    expect(await exchange("GET", "/agents/nobody")).toEqual({
      status: 404,
      type: "application/json",
      text: '{"detail":"Agent \\"nobody\\" not found"}',
    });
    expect(
      await exchange("POST", "/runs", { agent_id: COMPOSER_ID, stream_mode: ["values"] }),
    ).toEqual({
      status: 422,
      type: "application/json",
      text: '{"detail":[{"type":"model_attributes_type","loc":["body","stream_mode"],"msg":"Input should be a valid dictionary or object to extract fields from","input":["values"]}]}',
    });
    expect(await exchange("GET", "/runs/none/wait")).toEqual({ status: 404, type: null, text: "" });
    expect(
      await exchange("POST", "/runs/search", { agent_id: COMPOSER_ID, metadata: { k: "v" } }),
    ).toEqual({
      status: 500,
      type: "text/plain; charset=utf-8",
      text: "Internal Server Error",
    });
  });
});
