/** A throwaway certificate authority, made with the `openssl` command at test time. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** True when the `openssl` command can be run. */
export const opensslAvailable = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** Files and contents of a CA, a server certificate and a client certificate. */
export interface TestPki {
  dir: string;
  caFile: string;
  caPem: string;
  caDer: Uint8Array;
  serverKey: string;
  serverCert: string;
  clientKeyFile: string;
  clientCertFile: string;
  /** The only name the server certificate is valid for. */
  serverName: string;
  remove(): void;
}

/** Makes a CA and certificates signed by it for `serverName` and a client. */
export function makePki(serverName = "acp.test"): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "acp-pki-"));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=ACP Test CA",
  );
  const sign = (name: string, ext: string) => {
    writeFileSync(file(`${name}.ext`), ext);
    openssl("req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
    );
  };
  sign("server", `subjectAltName=DNS:${serverName}\nextendedKeyUsage=serverAuth\n`);
  sign("client", "extendedKeyUsage=clientAuth\n");
  openssl("x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.der");
  return {
    dir,
    caFile: file("ca.pem"),
    caPem: readFileSync(file("ca.pem"), "utf8"),
    caDer: new Uint8Array(readFileSync(file("ca.der"))),
    serverKey: readFileSync(file("server.key"), "utf8"),
    serverCert: readFileSync(file("server.pem"), "utf8"),
    clientKeyFile: file("client.key"),
    clientCertFile: file("client.pem"),
    serverName,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
