/**
 * A local stand-in for an email-sending API behind an API bridge: it speaks the
 * bridge's natural-language contract (`Content-Type: application/nlq`, a bearer
 * key) and records what it "sent" instead of sending anything.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One email the stand-in was asked to send. */
export interface RecordedSend {
  query: string;
  recipient: string | null;
  /** The request line, e.g. `POST /sendgrid/`. */
  request: string;
  /** The request's headers, with the bearer key masked. */
  headers: Record<string, string>;
}

const SHOWN_HEADERS = ["content-type", "authorization", "x-api-key", "content-length"];

function shownHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const name of SHOWN_HEADERS) {
    const value = headers[name];
    if (typeof value !== "string") continue;
    shown[name] = name === "content-type" || name === "content-length" ? value : maskKey(value);
  }
  return shown;
}

/** Keeps the scheme of a credential and hides the key itself. */
function maskKey(value: string): string {
  const scheme = /^(Bearer|Basic)\s/i.exec(value)?.[1];
  return scheme ? `${scheme} ***` : "***";
}

/** A running stand-in service. */
export interface EmailService {
  /** The base URL to give `APIBridgeAgentNode` as `host`. */
  url: string;
  /** The service name to give `APIBridgeAgentNode` as `serviceName`. */
  serviceName: string;
  sends: RecordedSend[];
  close(): Promise<void>;
}

const RECIPIENT = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/;

/** Starts the stand-in on 127.0.0.1 on a free port; it accepts only `apiKey`. */
export async function startEmailService(apiKey: string): Promise<EmailService> {
  const serviceName = "sendgrid";
  const sends: RecordedSend[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const reply = (status: number, text: string) => {
        res.writeHead(status, { "content-type": "text/plain" });
        res.end(text);
      };
      if (req.method !== "POST" || req.url !== `/${serviceName}/`)
        return reply(404, "no such service");
      if (req.headers.authorization !== `Bearer ${apiKey}`) return reply(401, "bad credentials");
      if (req.headers["content-type"] !== "application/nlq") {
        return reply(415, "expected a natural-language query (application/nlq)");
      }
      const query = Buffer.concat(chunks).toString("utf8");
      const recipient = RECIPIENT.exec(query)?.[0] ?? null;
      sends.push({
        query,
        recipient,
        request: `${req.method} ${req.url}`,
        headers: shownHeaders(req.headers),
      });
      reply(
        200,
        `Email accepted for delivery to ${recipient ?? "the given recipient"} (id ${sends.length}).`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    serviceName,
    sends,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
