import { createServer as createHttpsServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ACPClient,
  type ApiClientConfigurationOptions,
  ApiConnectionError,
} from "../../src/index.js";
import { agent, agentId } from "../helpers/fixtures.js";
import { sendJson, startServer, type TestServer } from "../helpers/http-server.js";
import { startProxy, type TestProxy } from "../helpers/proxy.js";
import { makePki, opensslAvailable, type TestPki } from "../helpers/tls.js";

if (!opensslAvailable) console.warn("TLS tests: the openssl command is not available; skipping");

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe.runIf(opensslAvailable)("TLS settings", () => {
  let pki: TestPki;
  let server: Server;
  let mtlsServer: Server;
  let url: string;
  let mtlsUrl: string;
  const answer = (_req: unknown, res: import("node:http").ServerResponse) =>
    sendJson(res, 200, agent);
  const clients: ACPClient[] = [];
  const call = async (options: ApiClientConfigurationOptions) => {
    const client = ACPClient.fromConfiguration({ retries: 0, host: url, ...options });
    clients.push(client);
    return client.getAgentById(agentId);
  };

  beforeAll(async () => {
    pki = makePki();
    server = createHttpsServer({ key: pki.serverKey, cert: pki.serverCert }, answer);
    mtlsServer = createHttpsServer(
      {
        key: pki.serverKey,
        cert: pki.serverCert,
        ca: pki.caPem,
        requestCert: true,
        rejectUnauthorized: true,
      },
      answer,
    );
    url = await listen(server);
    mtlsUrl = await listen(mtlsServer);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    server.closeAllConnections();
    mtlsServer.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await new Promise((resolve) => mtlsServer.close(resolve));
    pki.remove();
  });

  it("refuses a server whose CA is not trusted", async () => {
    const error = await call({ tlsServerName: pki.serverName }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiConnectionError);
    expect((error as Error).message).toMatch(/UNABLE_TO_VERIFY|CERT/);
  });

  it("trusts the CA from sslCaCert (a PEM file)", async () => {
    expect(await call({ sslCaCert: pki.caFile, tlsServerName: pki.serverName })).toEqual(agent);
  });

  it("trusts the CA from caCertData as PEM text and as DER bytes", async () => {
    expect(await call({ caCertData: pki.caPem, tlsServerName: pki.serverName })).toEqual(agent);
    expect(await call({ caCertData: pki.caDer, tlsServerName: pki.serverName })).toEqual(agent);
  });

  it("checks the certificate against tlsServerName", async () => {
    const error = await call({ sslCaCert: pki.caFile }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiConnectionError);
    expect((error as Error).message).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  it("skips verification when verifySsl is false", async () => {
    expect(await call({ verifySsl: false })).toEqual(agent);
  });

  it("presents a client certificate from certFile and keyFile", async () => {
    const tls = { host: mtlsUrl, sslCaCert: pki.caFile, tlsServerName: pki.serverName };
    await expect(call(tls)).rejects.toBeInstanceOf(ApiConnectionError);
    expect(
      await call({ ...tls, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile }),
    ).toEqual(agent);
  });

  it("names an unreadable CA file", async () => {
    await expect(call({ sslCaCert: `${pki.dir}/missing.pem` })).rejects.toThrow(
      /cannot read sslCaCert file .*missing\.pem \(ENOENT\)/,
    );
  });
});

describe("proxy settings", () => {
  let target: TestServer;
  let proxy: TestProxy;
  const clients: ACPClient[] = [];
  beforeAll(async () => {
    target = await startServer((_req, res) => sendJson(res, 200, agent));
    proxy = await startProxy();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await proxy.close();
    await target.close();
  });

  it("sends requests through the proxy", async () => {
    const client = ACPClient.fromConfiguration({ host: target.url, proxy: proxy.url, retries: 0 });
    clients.push(client);
    const before = proxy.seen.length;
    expect(await client.getAgentById(agentId)).toEqual(agent);
    expect(proxy.seen.length).toBe(before + 1);
    expect(proxy.seen.at(-1)).toMatch(
      new RegExp(`^(CONNECT ${new URL(target.url).host}|GET ${target.url}/agents/)`),
    );
    expect(target.hits).toBeGreaterThan(0);
  });

  it("sends proxy credentials and proxy headers to the proxy only", async () => {
    const proxied = new URL(proxy.url);
    proxied.username = "pu";
    proxied.password = "pp";
    const client = ACPClient.fromConfiguration({
      host: target.url,
      proxy: proxied.toString(),
      proxyHeaders: { "x-proxy-tag": "t1" },
      retries: 0,
    });
    clients.push(client);
    await client.getAgentById(agentId);
    const seen = proxy.headers.at(-1) ?? {};
    expect(seen["proxy-authorization"]).toBe(`Basic ${Buffer.from("pu:pp").toString("base64")}`);
    expect(seen["x-proxy-tag"]).toBe("t1");
    const reached = target.requests.at(-1)?.headers ?? {};
    expect(reached["proxy-authorization"]).toBeUndefined();
    expect(reached["x-proxy-tag"]).toBeUndefined();
  });

  it("fails with ApiConnectionError when the proxy is down", async () => {
    const down = await startProxy();
    await down.close();
    const client = ACPClient.fromConfiguration({ host: target.url, proxy: down.url, retries: 0 });
    clients.push(client);
    await expect(client.getAgentById(agentId)).rejects.toBeInstanceOf(ApiConnectionError);
  });
});
