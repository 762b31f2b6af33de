import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type ServerResponse } from 'node:http';
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import { BAD_CERT, BAD_KEY, GOOD_CERT, GOOD_KEY } from './replay-tls.js';
import type { DnsState, HttpState, StandIn, StandInState, StatusState, TlsState } from './scenario.js';

/**
 * Loopback stand-ins for the services of a replay, switched by the replay as simulated time
 * passes: one HTTP server whose paths play each HTTP stand-in (`/<id>/`), each status page
 * (`/<id>/api/v2/summary.json`) and the control target (`/generate_204`); one UDP DNS server that
 * answers every DNS stand-in's name; one TCP server per TLS stand-in.
 */
export interface ReplayTargets {
  readonly httpBase: string;
  readonly httpPort: number;
  readonly dnsResolver: string;
  readonly tlsPorts: Readonly<Record<string, number>>;
  setStates(states: Readonly<Record<string, StandInState>>): void;
  /** Requests seen per HTTP path and DNS name, to show the stand-ins were really asked. */
  readonly hits: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

function answer(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

const STATUS_TEXT: Readonly<Record<string, string>> = {
  none: 'All Systems Operational',
  minor: 'Minor Service Outage',
  major: 'Partial System Outage',
  critical: 'Major System Outage',
  maintenance: 'Service Under Maintenance',
};

/** A Statuspage v2 `summary.json` saying what the scenario's state says, as of `now`. */
export function statusPageJson(key: string, state: StatusState, now: number): string {
  const at = new Date(now).toISOString();
  return JSON.stringify({
    page: { id: key, name: `${key} status`, url: 'http://127.0.0.1/', updated_at: at },
    status: { indicator: state.indicator, description: state.description ?? STATUS_TEXT[state.indicator] },
    components: state.components.map((component, i) => ({ id: `c${i}`, ...component })),
    incidents: state.incidents.map((incident, i) => ({
      id: `${key}-${i}`,
      name: incident.name,
      status: incident.status,
      impact: incident.impact,
      created_at: at,
      updated_at: at,
      incident_updates:
        incident.update === undefined
          ? []
          : [{ status: incident.status, body: incident.update, created_at: at }],
    })),
    scheduled_maintenances: [],
  });
}

function serveHttp(res: ServerResponse, key: string, state: HttpState): void {
  if (state === 'stall') return; // never answers: the check times out
  if (state === 'reset') {
    res.socket?.resetAndDestroy();
    return;
  }
  if (state === 'ok') return answer(res, 200, 'text/html', `<html><body>${key} is fine</body></html>`);
  const body = state.body ?? `<html><body><h1>${state.status}</h1></body></html>`;
  return answer(res, state.status, 'text/html', body);
}

const DNS_RCODE: Readonly<Record<Exclude<DnsState, 'timeout'>, number>> = { ok: 0, servfail: 2, nxdomain: 3 };
const DNS_TYPE_A = 1;

/**
 * The answer to one DNS query: the header and question echoed with QR/AA/RA set and the rcode of
 * the name's state, plus an A record for `ok` queries of type A. Null: no answer (a timeout), or
 * a packet too short to be a query.
 */
export function dnsAnswer(
  query: Buffer,
  lookup: (name: string) => { state: DnsState; address: string } | undefined,
): Buffer | null {
  if (query.length < 12) return null;
  const labels: string[] = [];
  let offset = 12;
  for (let length = query[offset] ?? 0; length !== 0; length = query[offset] ?? 0) {
    if (length > 63 || offset + 1 + length > query.length) return null;
    labels.push(query.toString('latin1', offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  const questionEnd = offset + 5;
  if (questionEnd > query.length) return null;
  const type = query.readUInt16BE(offset + 1);
  const found = lookup(labels.join('.').toLowerCase());
  const state = found?.state ?? 'nxdomain';
  if (state === 'timeout') return null;
  const withAddress = state === 'ok' && type === DNS_TYPE_A && found !== undefined;
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  header[2] = 0x84 | ((query[2] ?? 0) & 0x79); // QR, AA, opcode and RD of the query
  header[3] = 0x80 | DNS_RCODE[state]; // RA, rcode
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(withAddress ? 1 : 0, 6);
  const question = query.subarray(12, questionEnd);
  if (!withAddress) return Buffer.concat([header, question]);
  const record = Buffer.alloc(16);
  record.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
  record.writeUInt16BE(DNS_TYPE_A, 2);
  record.writeUInt16BE(1, 4); // IN
  record.writeUInt32BE(60, 6); // TTL
  record.writeUInt16BE(4, 10);
  found.address.split('.').forEach((part, i) => (record[12 + i] = Number(part)));
  return Buffer.concat([header, question, record]);
}

/** A TLS alert record, handshake_failure (40), as a server sends it when it will not go on. */
const HANDSHAKE_FAILURE_ALERT = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);

function greetTls(
  socket: Socket,
  state: TlsState,
  contexts: { good: SecureContext; bad: SecureContext },
): void {
  socket.on('error', () => undefined);
  switch (state) {
    case 'stall':
      return;
    case 'reset':
      socket.resetAndDestroy();
      return;
    case 'handshake-failure':
      socket.once('data', () => socket.end(HANDSHAKE_FAILURE_ALERT));
      return;
    case 'ok':
    case 'bad-certificate': {
      const secureContext = state === 'ok' ? contexts.good : contexts.bad;
      const tls = new TLSSocket(socket, { isServer: true, secureContext });
      tls.on('error', () => undefined);
      return;
    }
  }
}

function listen(server: Server | NetServer): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

export async function startReplayTargets(
  standIns: Readonly<Record<string, StandIn>>,
  now: () => number,
): Promise<ReplayTargets> {
  let states: Readonly<Record<string, StandInState>> = {};
  const hits = new Map<string, number>();
  const count = (key: string): void => {
    hits.set(key, (hits.get(key) ?? 0) + 1);
  };
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const http: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    count(path);
    if (path === '/generate_204') return answer(res, 204, 'text/plain', '');
    const key = /^\/([a-z0-9_-]+)\//.exec(path)?.[1] ?? '';
    const standIn = standIns[key];
    const state = states[key];
    if (standIn?.type === 'http') return serveHttp(res, key, state as HttpState);
    if (standIn?.type === 'statuspage' && path === `/${key}/api/v2/summary.json`) {
      return answer(res, 200, 'application/json', statusPageJson(key, state as StatusState, now()));
    }
    return answer(res, 404, 'text/plain', 'no such stand-in');
  });
  http.on('connection', track);

  const names = new Map<string, string>();
  for (const [key, standIn] of Object.entries(standIns)) {
    if (standIn.type === 'dns') names.set(standIn.name.toLowerCase(), key);
  }
  const dns: UdpSocket = createSocket('udp4');
  dns.on('message', (query: Buffer, from: RemoteInfo) => {
    const reply = dnsAnswer(query, (name) => {
      count(`dns ${name}`);
      const key = names.get(name);
      const standIn = key === undefined ? undefined : standIns[key];
      if (key === undefined || standIn?.type !== 'dns') return undefined;
      return { state: states[key] as DnsState, address: standIn.address };
    });
    if (reply !== null) dns.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => dns.bind(0, '127.0.0.1', resolve));

  const contexts = {
    good: createSecureContext({ cert: GOOD_CERT, key: GOOD_KEY }),
    bad: createSecureContext({ cert: BAD_CERT, key: BAD_KEY }),
  };
  const tlsServers: NetServer[] = [];
  const tlsPorts: Record<string, number> = {};
  for (const [key, standIn] of Object.entries(standIns)) {
    if (standIn.type !== 'tls') continue;
    const server = createNetServer((socket) => {
      track(socket);
      count(`tls ${key}`);
      greetTls(socket, states[key] as TlsState, contexts);
    });
    tlsServers.push(server);
    tlsPorts[key] = await listen(server);
  }

  const httpPort = await listen(http);
  return {
    httpBase: `http://127.0.0.1:${httpPort}`,
    httpPort,
    dnsResolver: `127.0.0.1:${dns.address().port}`,
    tlsPorts,
    hits,
    setStates(next) {
      states = next;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all(
        [http, ...tlsServers].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
      );
      await new Promise<void>((resolve) => dns.close(() => resolve()));
    },
  };
}
