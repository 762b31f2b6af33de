/**
 * A loopback TCP proxy in front of one server (PostgreSQL in the chaos test), so that a test can
 * cut ONE client process off from it as a network partition would: `cut()` destroys every open
 * connection and leaves new ones hanging (accepted, nothing forwarded either way, no refusal), and
 * `heal()` forwards again: the connections that waited are then connected through, as TCP
 * retransmission would have delivered them once the network came back. `cut('freeze')` leaves
 * the open connections open but forwards nothing on them until `heal()`: neither side learns of
 * the partition (no reset, no close), as when packets are silently dropped.
 */

export type CutMode = 'reset' | 'freeze';
import { type Server, type Socket, connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  /** The port to connect to instead of the server's (127.0.0.1). */
  readonly port: number;
  /** True between `cut()` and `heal()`. */
  readonly isCut: boolean;
  /** Connections accepted so far (forwarded or held). */
  readonly accepted: number;
  /** `reset` (default): open connections are destroyed; `freeze`: they stall until heal. */
  cut(mode?: CutMode): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  /** Client sockets with their upstream socket once forwarded. */
  const open = new Map<Socket, Socket | undefined>();
  const held: Socket[] = [];
  const frozen: [Socket, Socket][] = [];
  let cut = false;
  let accepted = 0;

  const forward = (client: Socket): void => {
    const upstream = connect(target.port, target.host);
    open.set(client, upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  };

  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    accepted++;
    client.on('close', () => {
      open.delete(client);
      const i = held.indexOf(client);
      if (i >= 0) held.splice(i, 1);
    });
    client.on('error', () => client.destroy());
    if (cut) {
      // A blackhole: the client's bytes stay unread in its socket until heal().
      open.set(client, undefined);
      held.push(client);
      return;
    }
    forward(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    port,
    get isCut() {
      return cut;
    },
    get accepted() {
      return accepted;
    },
    cut(mode = 'reset') {
      cut = true;
      for (const [client, upstream] of open) {
        if (upstream === undefined) continue;
        if (mode === 'reset') {
          client.destroy();
          upstream.destroy();
          continue;
        }
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
        frozen.push([client, upstream]);
      }
    },
    heal() {
      cut = false;
      for (const [client, upstream] of frozen.splice(0)) {
        if (client.destroyed || upstream.destroyed) continue;
        client.pipe(upstream);
        upstream.pipe(client);
      }
      for (const client of held.splice(0)) if (!client.destroyed) forward(client);
    },
    async close() {
      for (const [client, upstream] of open) {
        client.destroy();
        upstream?.destroy();
      }
      open.clear();
      held.length = 0;
      frozen.length = 0;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
