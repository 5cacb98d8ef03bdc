/**
 * A TCP proxy that sits between a client and a server on 127.0.0.1 and misbehaves
 * on purpose: it cuts a connection after some bytes, holds an answer back, resets
 * a connection, or answers in the server's place. Each accepted connection gets the
 * fault its plan names, so a test scripts "first connection drops, second passes".
 */
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";

/** What the proxy does with one client connection. */
export type Fault =
  /** Forwards both ways untouched. */
  | { kind: "pass" }
  /** Forwards, then cuts both sides once `bytes` bytes of the answer have gone to the client. */
  | { kind: "dropAfterBytes"; bytes: number }
  /** Forwards the request; cuts the client off as soon as the server starts answering. */
  | { kind: "dropAnswer" }
  /** Forwards the request; holds the answer back (after `passBytes` bytes) until `release()`. */
  | { kind: "hold"; passBytes?: number }
  /** Resets the connection at once, before the server sees anything. */
  | { kind: "reset" }
  /** Answers with these raw HTTP bytes and closes; the server sees nothing. */
  | { kind: "respond"; raw: string };

/** Picks the fault for a connection: 1 is the first one accepted since the plan was set. */
export type FaultPlan = (connection: number) => Fault;

/** A running fault proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections whose request reached the server. */
  readonly forwarded: number;
  /** Replaces the plan for connections yet to come, numbering them from 1 again. */
  setPlan(plan: FaultPlan): void;
  /** Lets every held answer through. */
  release(): void;
  /** Closes the listener and every connection it made. */
  close(): Promise<void>;
}

/** A plan that applies `faults` to the first connections in turn, then passes. */
export function inTurn(...faults: Fault[]): FaultPlan {
  return (n) => faults[n - 1] ?? { kind: "pass" };
}

/** An HTTP answer with a JSON body, closing the connection, for `respond` faults. */
export function rawAnswer(
  status: number,
  reason: string,
  body: unknown,
  headers: Record<string, string> = {},
): string {
  const text = JSON.stringify(body);
  const lines = [
    `HTTP/1.1 ${status} ${reason}`,
    "content-type: application/json",
    `content-length: ${Buffer.byteLength(text)}`,
    "connection: close",
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join("\r\n")}\r\n\r\n${text}`;
}

/** Starts a proxy in front of `target` (an `http://host:port` URL). */
export async function startFaultProxy(
  target: string,
  plan: FaultPlan = () => ({ kind: "pass" }),
): Promise<FaultProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const held: Array<() => void> = [];
  let released = false;
  let current = plan;
  let connections = 0;
  let planStart = 0;
  let forwarded = 0;

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
  };

  const server: Server = createServer((client) => {
    track(client);
    connections += 1;
    const fault = current(connections - planStart);
    if (fault.kind === "reset") {
      client.resetAndDestroy();
      return;
    }
    if (fault.kind === "respond") {
      client.once("data", () => client.end(fault.raw));
      return;
    }
    const upstream = connect(Number(port), hostname);
    track(upstream);
    let counted = false;
    client.on("data", (chunk: Buffer) => {
      if (!counted) {
        counted = true;
        forwarded += 1;
      }
      upstream.write(chunk);
    });
    client.on("end", () => upstream.end());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    let sent = 0;
    upstream.on("data", (chunk: Buffer) => {
      if (fault.kind === "pass") {
        client.write(chunk);
      } else if (fault.kind === "dropAnswer") {
        client.resetAndDestroy();
        upstream.destroy();
      } else if (fault.kind === "dropAfterBytes") {
        const room = fault.bytes - sent;
        sent += chunk.length;
        if (room >= chunk.length) {
          client.write(chunk);
          return;
        }
        client.write(chunk.subarray(0, Math.max(0, room)), () => {
          client.resetAndDestroy();
          upstream.destroy();
        });
      } else if (fault.kind === "hold") {
        const room = (fault.passBytes ?? 0) - sent;
        sent += chunk.length;
        if (room > 0) client.write(chunk.subarray(0, room));
        const rest = room > 0 ? chunk.subarray(room) : chunk;
        if (rest.length === 0) return;
        if (released) client.write(rest);
        else held.push(() => client.write(rest));
      }
    });
    upstream.on("end", () => {
      if (fault.kind === "hold" && !released) held.push(() => client.end());
      else client.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    get connections() {
      return connections;
    },
    get forwarded() {
      return forwarded;
    },
    setPlan(next) {
      current = next;
      planStart = connections;
    },
    release() {
      released = true;
      for (const send of held.splice(0)) send();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A URL on 127.0.0.1 where nothing listens, so a connection is refused. */
export async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
