/** A raw TCP connection for tests of a listener's time limits. */
import { connect, type Socket } from "node:net";

/** What a raw connection received so far, and whether the server closed it. */
export interface RawSocketState {
  received: string;
  closed: boolean;
}

/** Connects to `port` on 127.0.0.1 and records what arrives and whether it closed. */
export async function openRawSocket(
  port: number,
): Promise<{ socket: Socket; state: RawSocketState }> {
  const socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const state: RawSocketState = { received: "", closed: false };
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    state.received += chunk;
  });
  socket.on("close", () => {
    state.closed = true;
  });
  socket.on("error", () => undefined);
  return { socket, state };
}
