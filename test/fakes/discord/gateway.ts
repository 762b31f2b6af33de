/**
 * The gateway WebSocket half of the fake (https://discord.com/developers/docs/events/gateway):
 * HELLO, heartbeats, IDENTIFY with READY and GUILD_CREATEs, RESUME with replay of missed
 * dispatches, op 7 RECONNECT and op 9 INVALID_SESSION on demand. Plain JSON text frames only,
 * since the project has no zlib-sync (docs/platforms.md §2.1).
 */
import type { IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { FakeState } from './fake-state.js';
import { botUserPayload, guildCreatePayload } from './payloads.js';
import type { GatewayLogEntry } from './records.js';
import { GATEWAY_PATH, gatewayUrl, RESUME_GATEWAY_PATH } from './routes-meta.js';

/** Gateway opcodes: https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-opcodes */
export const GatewayOp = {
  dispatch: 0,
  heartbeat: 1,
  identify: 2,
  presenceUpdate: 3,
  voiceStateUpdate: 4,
  resume: 6,
  reconnect: 7,
  requestGuildMembers: 8,
  invalidSession: 9,
  hello: 10,
  heartbeatAck: 11,
} as const;
/** Close codes: https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes */
export const GatewayCloseCode = {
  unknownError: 4000,
  unknownOpcode: 4001,
  decodeError: 4002,
  notAuthenticated: 4003,
  authenticationFailed: 4004,
  alreadyAuthenticated: 4005,
  invalidApiVersion: 4012,
} as const;
/** The API version discord.js 14 speaks. */
export const GATEWAY_VERSION = '10';
/** Dispatches kept per session for RESUME replays. */
const MAX_BUFFERED_DISPATCHES = 1_000;

interface Frame {
  op: number;
  d: unknown;
  s: number | null;
  t: string | null;
}

interface Session {
  id: string;
  seq: number;
  /** Sent dispatches, oldest first, for replay. */
  buffer: Frame[];
  socket: WebSocket | undefined;
  /** False after a non-resumable INVALID_SESSION. */
  valid: boolean;
}

interface Connection {
  ws: WebSocket;
  path: string;
  session: Session | undefined;
}

export class FakeGateway {
  readonly log: GatewayLogEntry[] = [];
  /** Whether heartbeats are acknowledged; turning it off makes the client see a zombie connection. */
  ackHeartbeats = true;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  /** The path each socket connected to, for the log. */
  private readonly paths = new WeakMap<WebSocket, string>();

  constructor(
    private readonly state: FakeState,
    private readonly heartbeatIntervalMs: number,
  ) {}

  /** Takes an HTTP upgrade if it is for a gateway path; returns false otherwise. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    if (url.pathname !== GATEWAY_PATH && url.pathname !== RESUME_GATEWAY_PATH) return false;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, url));
    return true;
  }

  /** Sends a dispatch to every valid session; sessions without a socket buffer it for RESUME. */
  dispatch(event: string, data: Record<string, unknown>): void {
    for (const session of this.sessions.values()) if (session.valid) this.sendDispatch(session, event, data);
  }

  /** Op 7: every connected client must reconnect and RESUME on `resume_gateway_url`. */
  requestReconnect(): void {
    for (const session of this.sessions.values()) {
      if (session.socket === undefined) continue;
      this.sendFrame(session.socket, session, { op: GatewayOp.reconnect, d: null, s: null, t: null });
      // Discord stops sending on a connection it asked to leave; later dispatches wait for RESUME.
      session.socket = undefined;
    }
  }

  /** Op 9 to every connected client; a non-resumable one forgets the session, forcing a new IDENTIFY. */
  invalidateSessions(resumable: boolean): void {
    for (const session of this.sessions.values()) {
      if (session.socket === undefined) continue;
      this.sendFrame(session.socket, session, {
        op: GatewayOp.invalidSession,
        d: resumable,
        s: null,
        t: null,
      });
      if (!resumable) {
        session.valid = false;
        session.socket = undefined;
      }
    }
  }

  /** Closes every client socket with `code` (4000 makes discord.js resume). */
  dropConnections(code: number): void {
    for (const ws of this.wss.clients) ws.close(code, 'fake discord dropped the connection');
  }

  /** Terminates every socket at once and stops accepting new ones. */
  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(ws: WebSocket, url: URL): void {
    const conn: Connection = { ws, path: url.pathname, session: undefined };
    this.paths.set(ws, url.pathname);
    ws.on('error', () => undefined); // a client vanishing mid-frame is not the fake's failure
    ws.on('close', () => {
      if (conn.session?.socket === ws) conn.session.socket = undefined;
      this.state.changed();
    });
    if (url.searchParams.get('v') !== GATEWAY_VERSION) {
      ws.close(GatewayCloseCode.invalidApiVersion, 'Invalid API version');
      return;
    }
    ws.on('message', (raw) => this.onFrame(conn, raw));
    this.sendFrame(ws, undefined, {
      op: GatewayOp.hello,
      d: { heartbeat_interval: this.heartbeatIntervalMs },
      s: null,
      t: null,
    });
  }

  private onFrame(conn: Connection, raw: RawData): void {
    let frame: { op?: unknown; d?: unknown };
    try {
      frame = JSON.parse(raw.toString()) as { op?: unknown; d?: unknown };
    } catch {
      conn.ws.close(GatewayCloseCode.decodeError, 'Decode error');
      return;
    }
    const op = Number(frame.op);
    const d = (typeof frame.d === 'object' && frame.d !== null ? frame.d : {}) as Record<string, unknown>;
    this.log.push({
      direction: 'received',
      op,
      t: undefined,
      s: undefined,
      sessionId: conn.session?.id,
      path: conn.path,
    });
    this.state.changed();
    if (op === GatewayOp.heartbeat) {
      if (this.ackHeartbeats)
        this.sendFrame(conn.ws, conn.session, { op: GatewayOp.heartbeatAck, d: null, s: null, t: null });
    } else if (op === GatewayOp.identify) this.identify(conn, d);
    else if (op === GatewayOp.resume) this.resume(conn, d);
    else if (
      op === GatewayOp.presenceUpdate ||
      op === GatewayOp.voiceStateUpdate ||
      op === GatewayOp.requestGuildMembers
    ) {
      if (conn.session === undefined) conn.ws.close(GatewayCloseCode.notAuthenticated, 'Not authenticated');
    } else conn.ws.close(GatewayCloseCode.unknownOpcode, 'Unknown opcode');
  }

  private identify(conn: Connection, d: Record<string, unknown>): void {
    if (conn.session !== undefined) {
      conn.ws.close(GatewayCloseCode.alreadyAuthenticated, 'Already authenticated');
      return;
    }
    if (d.token !== this.state.token) {
      conn.ws.close(GatewayCloseCode.authenticationFailed, 'Authentication failed');
      return;
    }
    const session: Session = {
      id: randomBytes(16).toString('hex'),
      seq: 0,
      buffer: [],
      socket: conn.ws,
      valid: true,
    };
    this.sessions.set(session.id, session);
    conn.session = session;
    const guilds = [...this.state.guilds.guilds.values()].filter((g) => !g.removed);
    this.sendDispatch(session, 'READY', {
      v: Number(GATEWAY_VERSION),
      user: botUserPayload(this.state.bot),
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: gatewayUrl(this.state, RESUME_GATEWAY_PATH),
      shard: Array.isArray(d.shard) ? d.shard : [0, 1],
      application: { id: this.state.applicationId, flags: 0 },
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      user_settings: {},
      _trace: ['fake-discord'],
    });
    for (const guild of guilds) this.sendDispatch(session, 'GUILD_CREATE', guildCreatePayload(guild));
  }

  /** Replays what the client missed, then RESUMED; an unknown or invalidated session gets op 9 false. */
  private resume(conn: Connection, d: Record<string, unknown>): void {
    const session = this.sessions.get(String(d.session_id));
    if (session === undefined || !session.valid || d.token !== this.state.token) {
      this.sendFrame(conn.ws, undefined, { op: GatewayOp.invalidSession, d: false, s: null, t: null });
      return;
    }
    if (session.socket !== undefined && session.socket !== conn.ws)
      session.socket.close(GatewayCloseCode.unknownError, 'Session resumed elsewhere');
    session.socket = conn.ws;
    conn.session = session;
    const lastSeen = Number(d.seq ?? 0);
    for (const frame of session.buffer)
      if ((frame.s ?? 0) > lastSeen) this.sendFrame(conn.ws, session, frame);
    this.sendDispatch(session, 'RESUMED', {});
  }

  private sendDispatch(session: Session, event: string, data: Record<string, unknown>): void {
    session.seq += 1;
    const frame: Frame = { op: GatewayOp.dispatch, d: data, s: session.seq, t: event };
    session.buffer.push(frame);
    if (session.buffer.length > MAX_BUFFERED_DISPATCHES) session.buffer.shift();
    if (session.socket !== undefined) this.sendFrame(session.socket, session, frame);
  }

  private sendFrame(ws: WebSocket, session: Session | undefined, frame: Frame): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify(frame));
    this.log.push({
      direction: 'sent',
      op: frame.op,
      t: frame.t ?? undefined,
      s: frame.s ?? undefined,
      sessionId: session?.id,
      path: this.paths.get(ws) ?? GATEWAY_PATH,
    });
    this.state.changed();
  }
}
