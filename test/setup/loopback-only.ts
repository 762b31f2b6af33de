/**
 * Tests touch no network but loopback (docs/design.md §7). Every outbound TCP connection and UDP datagram
 * is checked here; anything else throws, so a test that reaches the internet fails loudly.
 */
import dgram from 'node:dgram';
import net from 'node:net';

function isLoopbackHost(host: unknown): boolean {
  if (host === undefined || host === null || host === '') return true; // Node defaults to localhost
  if (typeof host !== 'string') return false;
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '::ffff:127.0.0.1') return true;
  return net.isIPv4(h) && h.startsWith('127.');
}

function refuse(host: unknown): never {
  throw new Error(`test tried to reach a non-loopback host: ${String(host)}`);
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function patchedConnect(this: net.Socket, ...args: unknown[]) {
  const first = args[0];
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    const options = first as { host?: unknown; path?: unknown };
    if (options.path === undefined && !isLoopbackHost(options.host)) refuse(options.host);
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (!isLoopbackHost(args[1])) refuse(args[1]);
  }
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;

const originalSend = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function patchedSend(this: dgram.Socket, ...args: unknown[]) {
  const address = args.find((a, i) => i > 0 && typeof a === 'string' && !/^\d+$/.test(a));
  if (address !== undefined && !isLoopbackHost(address)) refuse(address);
  return (originalSend as (...a: unknown[]) => void).apply(this, args);
} as typeof dgram.Socket.prototype.send;
