import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TargetMode } from './scenario.js';

/**
 * Loopback stand-ins for the services of the replay: one HTTP server whose paths play each
 * service's web endpoint (`/<service>/`), its status page (`/status/<service>/summary.json`) and
 * the control target (`/generate_204`). Modes are switched by the replay as simulated time passes.
 */
export interface ReplayTargets {
  readonly baseUrl: string;
  readonly port: number;
  setModes(modes: Readonly<Record<string, TargetMode>>): void;
  /** Requests seen per path, to show the targets were really asked. */
  readonly hits: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

/** What Instagram's edge answered on 19 March 2021 (scenario: "5xx Server Error"). */
const INSTAGRAM_ERROR_PAGE =
  "<!DOCTYPE html><html><body><h1>5xx Server Error</h1><p>We're sorry, but something went wrong.</p></body></html>";
const SERVER_ERROR = 502;

/** The Facebook Platform status page as Statuspage v2 would say "healthy" (the real one was a custom JSON). */
function healthyStatusPage(name: string): string {
  return JSON.stringify({
    page: { id: 'fbplatform', name, url: 'http://127.0.0.1/status', updated_at: '2021-03-19T16:00:00Z' },
    status: { indicator: 'none', description: 'All Systems Operational' },
    components: [
      { id: 'graph', name: 'Graph API', status: 'operational' },
      { id: 'login', name: 'Facebook Login', status: 'operational' },
    ],
    incidents: [],
    scheduled_maintenances: [],
  });
}

function answer(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

export async function startReplayTargets(): Promise<ReplayTargets> {
  let modes: Readonly<Record<string, TargetMode>> = {};
  const hits = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === '/generate_204') return answer(res, 204, 'text/plain', '');
    const status = /^\/status\/([a-z-]+)\/summary\.json$/.exec(path);
    if (status) return answer(res, 200, 'application/json', healthyStatusPage('Facebook Platform Status'));
    const service = /^\/([a-z-]+)\//.exec(path)?.[1];
    const mode = service === undefined ? undefined : modes[service];
    if (mode === undefined) return answer(res, 404, 'text/plain', 'no such stand-in');
    if (mode === 'stall') return; // never answers: the probe times out
    if (mode === 'http-5xx') return answer(res, SERVER_ERROR, 'text/html', INSTAGRAM_ERROR_PAGE);
    return answer(res, 200, 'text/html', `<html><body>${service} is fine</body></html>`);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    hits,
    setModes(next) {
      modes = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
