import pg from 'pg';
import type { Logger } from '../../logging.js';

/** After a lost connection, LISTEN is tried again this long after. */
const RECONNECT_MS = 2_000;

/**
 * A dedicated connection that LISTENs to channels and calls `onNotify(channel, payload)` for each
 * notification; reconnects by itself when the connection is lost (a notification sent meanwhile is
 * missed: listeners also poll, this only makes them react at once). `onReconnect` runs after a
 * reconnect, so a listener can catch up on what it missed.
 */
export class PgListener {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly channels: readonly string[],
    private readonly onNotify: (channel: string, payload: string) => void,
    private readonly options: { readonly log?: Logger; readonly onReconnect?: () => void } = {},
  ) {}

  get connected(): boolean {
    return this.client !== null;
  }

  async start(): Promise<void> {
    await this.connect(false);
  }

  private async connect(again: boolean): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.url,
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (n) => this.onNotify(n.channel, n.payload ?? ''));
    try {
      await client.connect();
      for (const channel of this.channels) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      if (this.closed) {
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      if (again) this.options.onReconnect?.();
    } catch (err) {
      this.options.log?.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'PostgreSQL LISTEN connection failed; trying again',
      );
      await client.end().catch(() => undefined);
      this.schedule();
    }
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    void client.end().catch(() => undefined);
    this.schedule();
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect(true);
    }, RECONNECT_MS);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }
}
