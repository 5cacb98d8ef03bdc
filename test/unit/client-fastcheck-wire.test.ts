/**
 * The plain call's short path over real HTTP: a valid answer keeps its unknown
 * fields, an answer the fast check does not vouch for is still held to the
 * spec, and the reused redactor still hides a key a refresh hook has changed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACPClient, ApiClientConfiguration, ApiException, ApiValueError } from "../../src/index.js";
import { agentId, statelessRun } from "../helpers/fixtures.js";
import { sendJson, startServer, type TestServer } from "../helpers/http-server.js";

/** A header name no pattern marks as a credential, so only the configuration's redactor hides its value. */
const keyHeader = "X-Agent-Access";

let server: TestServer;
let answer: unknown;

beforeAll(async () => {
  server = await startServer((req, res) => {
    const key = req.headers[keyHeader.toLowerCase()];
    if (typeof key === "string") sendJson(res, 400, { detail: `refused key ${key}` });
    else sendJson(res, 200, answer);
  });
});
afterAll(() => server.close());

const body = { agent_id: agentId, input: { text: "hi" } };

describe("a plain wait call", () => {
  it("returns a valid answer with its unknown fields kept", async () => {
    answer = {
      run: { ...statelessRun, shard: 3 },
      output: { type: "result", values: { reply: "hello" }, cost: { tokens: 7 } },
      trace: "t-1",
    };
    const client = ACPClient.fromConfiguration({ host: server.url });
    await expect(client.createAndWaitForStatelessRunOutput(body)).resolves.toEqual(answer);
    const info = await client.createAndWaitForStatelessRunOutputWithHttpInfo(body);
    expect(info.data).toEqual(answer);
    expect(JSON.parse(new TextDecoder().decode(info.rawData))).toEqual(answer);
  });

  it("rejects an answer off the spec with the operation and field path", async () => {
    answer = { run: { ...statelessRun, status: "finished" } };
    const client = ACPClient.fromConfiguration({ host: server.url });
    const error = await client.createAndWaitForStatelessRunOutput(body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiValueError);
    expect((error as ApiValueError).pathToItem).toEqual(["run", "status"]);
    expect((error as Error).message).toContain("create_and_wait_for_stateless_run_output");
  });

  it("still checks a request body the fast check leaves to zod", async () => {
    const client = ACPClient.fromConfiguration({ host: server.url });
    const bad = { ...body, stream_mode: "everything" } as unknown as typeof body;
    const error = await client.createAndWaitForStatelessRunOutput(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiValueError);
    expect((error as ApiValueError).pathToItem?.[0]).toBe("stream_mode");
  });
});

describe("the configuration's redactor", () => {
  it("is made once per configuration, and a copy with other credentials has its own", () => {
    const configuration = new ApiClientConfiguration({ apiKey: { [keyHeader]: "first-key" } });
    const redactor = configuration.redactor();
    expect(configuration.redactor()).toBe(redactor);
    expect(configuration.redact("a first-key b")).toBe("a <redacted> b");
    const replaced = configuration.withOptions({ apiKey: { [keyHeader]: "replaced" } });
    expect(replaced.redactor()).not.toBe(redactor);
    expect(replaced.redact("a replaced b")).toBe("a <redacted> b");
  });

  it("hides each key a refresh hook sets from the errors of the calls that sent it", async () => {
    let refreshes = 0;
    const client = ACPClient.fromConfiguration({
      host: server.url,
      refreshApiKeyHook: () => {
        refreshes++;
        return { apiKey: { [keyHeader]: `rotated-key-${refreshes}` } };
      },
    });
    for (let call = 1; call <= 3; call++) {
      const error = await client.createAndWaitForStatelessRunOutput(body).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiException);
      const shown = `${(error as ApiException).message} ${(error as ApiException).body}`;
      expect(shown).toContain("refused key");
      expect(shown).not.toContain(`rotated-key-${call}`);
    }
    expect(server.requests.at(-1)?.headers[keyHeader.toLowerCase()]).toBe("rotated-key-3");
  });
});
