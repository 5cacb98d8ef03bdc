/**
 * TLS, proxy and connect/read timeouts on Node: an undici dispatcher handed to
 * `fetch`. undici and node:fs load only when a configuration asks for one of
 * these, so the client runs wherever plain `fetch` exists.
 */
import type { Dispatcher } from "undici";
import { ApiValueError } from "../core/errors.js";
import type { ApiClientConfiguration } from "./configuration.js";

/** True when the configuration has a setting that only a dispatcher can apply. */
export function needsDispatcher(configuration: ApiClientConfiguration): boolean {
  const c = configuration;
  return Boolean(
    c.sslCaCert ||
      c.caCertData ||
      c.certFile ||
      c.keyFile ||
      !c.verifySsl ||
      c.tlsServerName ||
      c.proxy ||
      (typeof c.timeout === "object" && c.timeout !== null && isNode()),
  );
}

/** True on Node.js, where undici and TLS files are available. */
export function isNode(): boolean {
  return Boolean(globalThis.process?.versions?.node);
}

/** Builds the dispatcher that applies the configuration's TLS, proxy and timeout settings. */
export async function createDispatcher(configuration: ApiClientConfiguration): Promise<Dispatcher> {
  if (!isNode()) {
    throw new ApiValueError(
      "TLS files, proxies and connect/read timeouts need Node.js; this runtime only has fetch",
      ["configuration"],
    );
  }
  const undici = await import("undici");
  const tls = await tlsOptions(configuration);
  const timeout = typeof configuration.timeout === "object" ? configuration.timeout : {};
  const timeouts = {
    ...(timeout.read !== undefined
      ? { headersTimeout: timeout.read, bodyTimeout: timeout.read }
      : {}),
  };
  const connect = {
    ...tls,
    ...(timeout.connect !== undefined ? { timeout: timeout.connect } : {}),
  };
  if (configuration.proxy) {
    return new undici.ProxyAgent({
      uri: configuration.proxy,
      // A copy: undici adds the proxy URL's credentials to it.
      headers: { ...configuration.proxyHeaders },
      requestTls: connect,
      ...timeouts,
    });
  }
  return new undici.Agent({ connect, ...timeouts });
}

interface TlsOptions {
  ca?: string[];
  cert?: string;
  key?: string;
  rejectUnauthorized?: boolean;
  servername?: string;
}

async function tlsOptions(c: ApiClientConfiguration): Promise<TlsOptions> {
  const tls: TlsOptions = {};
  const ca: string[] = [];
  if (c.sslCaCert) ca.push(await readPem(c.sslCaCert, "sslCaCert"));
  if (c.caCertData)
    ca.push(typeof c.caCertData === "string" ? c.caCertData : derToPem(c.caCertData));
  // As in the reference client, given CAs replace the default ones rather than add to them.
  if (ca.length > 0) tls.ca = ca;
  if (c.certFile) tls.cert = await readPem(c.certFile, "certFile");
  if (c.keyFile) tls.key = await readPem(c.keyFile, "keyFile");
  if (!c.verifySsl) tls.rejectUnauthorized = false;
  if (c.tlsServerName) tls.servername = c.tlsServerName;
  return tls;
}

async function readPem(path: string, option: string): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code ?? "unreadable";
    throw new ApiValueError(`cannot read ${option} file ${path} (${code})`, [option]);
  }
}

/** DER bytes of one certificate as PEM text, the form Node's TLS accepts. */
function derToPem(der: Uint8Array): string {
  let binary = "";
  for (const byte of der) binary += String.fromCharCode(byte);
  const lines = btoa(binary).match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}
