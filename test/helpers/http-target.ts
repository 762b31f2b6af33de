import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local website whose health the test switches: 200 when up, 503 when down. */
export interface HttpTarget {
  readonly url: string;
  up: boolean;
  hits: number;
  close(): Promise<void>;
}

export async function startHttpTarget(): Promise<HttpTarget> {
  const target = { up: true, hits: 0 } as HttpTarget & { server: Server };
  const server = createServer((_req, res) => {
    target.hits++;
    res.statusCode = target.up ? 200 : 503;
    res.end(target.up ? 'ok' : 'down for maintenance');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(target, {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
