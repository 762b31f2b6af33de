/**
 * The gateway WebSocket half of the fake (https://discord.com/developers/docs/events/gateway):
 * HELLO, heartbeats, IDENTIFY with READY and GUILD_CREATEs, RESUME with replay of missed
 * dispatches, op 7 RECONNECT and op 9 INVALID_SESSION on demand. Plain JSON text frames only,
 * since the project has no zlib-sync (docs/platforms.md §2.1).
 *
 * Sharding as Discord does it (https://discord.com/developers/docs/events/gateway#sharding): a
 * session identifies as shard `[id, count]` (`[0, 1]` when left out) and gets READY, the
 * GUILD_CREATEs and every later event only for the guilds whose `(guild_id >> 22) % count` is its
 * id. A malformed shard or an id out of range is closed with 4010, a shard that would hold more
 * guilds than allowed with 4011. A client closing with 1000 or 1001 ends its session (it cannot be
 * resumed), so events of its guilds are no longer delivered anywhere until another session takes
 * the shard.
 */
import type { IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { FakeState } from './fake-state.js';
import { botUserPayload, guildCreatePayload } from './payloads.js';
import type { GatewayLogEntry } from './records.js';
import { GATEWAY_PATH, gatewayUrl, RESUME_GATEWAY_PATH } from './routes-meta.js';
import { shardOfGuild } from './snowflake.js';

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
  invalidShard: 4010,
  shardingRequired: 4011,
  invalidApiVersion: 4012,
} as const;
/** Client close codes that end the session (the docs: 1000 and 1001 invalidate it). */
const SESSION_ENDING_CLOSE_CODES: ReadonlySet<number> = new Set([1000, 1001]);
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
  /** `[shard_id, num_shards]` as identified. */
  shard: readonly [number, number];
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

  /**
   * Sends a dispatch to every valid session, or, for a guild's event (`guildId` set), to the valid
   * sessions whose shard owns the guild; sessions without a socket buffer it for RESUME. Returns
   * how many sessions got it (0: nobody will see the event).
   */
  dispatch(event: string, data: Record<string, unknown>, guildId?: string): number {
    let sent = 0;
    for (const session of this.sessions.values()) {
      if (!session.valid || (guildId !== undefined && !ownsGuild(session.shard, guildId))) continue;
      this.sendDispatch(session, event, data);
      sent++;
    }
    return sent;
  }

  /** Shards (`[id, count]`) of the sessions that are valid now, in identify order. */
  activeShards(): [number, number][] {
    return [...this.sessions.values()].filter((s) => s.valid).map((s) => [...s.shard]);
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
    ws.on('close', (code) => {
      if (conn.session?.socket === ws) {
        conn.session.socket = undefined;
        if (SESSION_ENDING_CLOSE_CODES.has(code)) conn.session.valid = false;
      }
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
    const shard = parseShard(d.shard);
    if (shard === undefined) {
      conn.ws.close(GatewayCloseCode.invalidShard, 'Invalid shard');
      return;
    }
    const guilds = [...this.state.guilds.guilds.values()].filter((g) => !g.removed && ownsGuild(shard, g.id));
    if (guilds.length > this.state.sharding.maxGuildsPerShard) {
      conn.ws.close(GatewayCloseCode.shardingRequired, 'Sharding required');
      return;
    }
    const session: Session = {
      id: randomBytes(16).toString('hex'),
      shard,
      seq: 0,
      buffer: [],
      socket: conn.ws,
      valid: true,
    };
    this.sessions.set(session.id, session);
    conn.session = session;
    this.sendDispatch(session, 'READY', {
      v: Number(GATEWAY_VERSION),
      user: botUserPayload(this.state.bot),
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: gatewayUrl(this.state, RESUME_GATEWAY_PATH),
      shard: [...shard],
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

/** Whether the shard `[id, count]` receives the guild's events: `(guild_id >> 22) % count === id`. */
function ownsGuild(shard: readonly [number, number], guildId: string): boolean {
  return shardOfGuild(guildId, shard[1]) === shard[0];
}

/** IDENTIFY's `shard`: absent means `[0, 1]`; anything but two integers with 0 ≤ id < count is invalid. */
function parseShard(value: unknown): readonly [number, number] | undefined {
  if (value === undefined) return [0, 1];
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [id, count] = value as unknown[];
  if (!Number.isSafeInteger(id) || !Number.isSafeInteger(count)) return undefined;
  const [shardId, shardCount] = [id as number, count as number];
  return shardCount >= 1 && shardId >= 0 && shardId < shardCount ? [shardId, shardCount] : undefined;
}
