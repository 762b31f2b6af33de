/** Shared plumbing of the probe tests: servers on 127.0.0.1 port 0, closed after each test. */
import type { AddressInfo, Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import { afterEach } from 'vitest';
import type { Probe, ProbeContext } from '../../../src/monitors/probe.js';

const openServers = new Map<Server, Set<Socket>>();

afterEach(async () => {
  const servers = [...openServers];
  openServers.clear();
  await Promise.all(servers.map(([server, sockets]) => closeServer(server, sockets)));
});

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  sockets.forEach((socket) => socket.destroy());
  return closed;
}

/** Listens on 127.0.0.1, port 0; the server is closed after the current test. */
export async function listen(server: Server): Promise<number> {
  const sockets = new Set<Socket>();
  openServers.set(server, sockets);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A port with nothing listening: listen, note the port, close. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A raw TCP server that records its sockets (destroyed after the test). */
export async function startTcpServer(
  onSocket: (socket: Socket) => void = () => {},
): Promise<{ port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {}); // the probe hanging up is expected
    socket.resume(); // read, so the peer's FIN is seen and `socketClosed` can resolve
    onSocket(socket);
  });
  const port = await listen(server);
  return { port, sockets };
}

/** Resolves when the socket is fully closed (the peer hung up and we saw it). */
export function socketClosed(socket: Socket): Promise<void> {
  return socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}

/** A context whose caller signal never fires: only the probe's own timeout applies. */
export function probeContext(
  timeoutMs = 2000,
  signal: AbortSignal = new AbortController().signal,
): ProbeContext {
  return { signal, timeoutMs };
}

/** Options through the probe's own schema, as the config layer will hand them over. */
export function parseOptions<O>(probe: Probe<O>, input: unknown): O {
  return probe.optionsSchema.parse(input);
}
