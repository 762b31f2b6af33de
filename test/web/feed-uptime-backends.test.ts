import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { DAY_MS, type HourBucket, dayOf } from '../../src/db/check-encoding.js';
import { PostgresHistoryStore } from '../../src/db/postgres/postgres-history-store.js';
import { PostgresQueryStore } from '../../src/db/postgres/postgres-query-store.js';
import { SqliteHistoryStore } from '../../src/db/sqlite-history-store.js';
import { serviceDetailSchema } from '../../src/web/api-schemas.js';
import { BACKENDS } from '../helpers/backends.js';
import { numbered, poolOn, schemaDatabase } from '../helpers/postgres-schema.js';
import { checkWellFormedXml } from '../helpers/xml-check.js';
import { START, type WebHarness, startWebHarness } from './web-harness.js';

const HOSTILE = `</title><script>alert("feed")</script>`;
const YAML = `services:
  - id: whatsapp
    name: WhatsApp
    monitors:
      - { type: http, url: "https://web.whatsapp.com/" }
  - id: evil
    name: ${JSON.stringify(HOSTILE)}
    monitors:
      - { type: http, url: "https://evil.example/" }
`;

const bucket = (count: number, failures: number, p95: number): HourBucket => ({
  count,
  failures,
  degraded: 0,
  p50: p95 / 2,
  p95,
});

/** The database the view reads, seeded in its own SQL: incidents and roll-ups as the stores write them. */
interface Reads {
  readonly history: SqliteHistoryStore | PostgresHistoryStore;
  sql(text: string, params: readonly unknown[]): Promise<void>;
  monitorRef(id: string): Promise<number>;
}

describe.each(BACKENDS)('the feed, badges and uptime read from %s', (backend) => {
  let web: WebHarness;
  afterEach(async () => web?.close());

  async function start(): Promise<Reads> {
    if (backend === 'sqlite') {
      web = await startWebHarness(YAML);
      const db = web.db;
      return {
        history: new SqliteHistoryStore(db),
        sql: async (text, params) => void db.prepare(text).run(...params),
        monitorRef: async (id) => {
          db.prepare(
            "INSERT OR IGNORE INTO monitors (id, service_id, type, target) VALUES (?, 'svc', 'http', 'https://x/')",
          ).run(id);
          return (db.prepare('SELECT ref FROM monitors WHERE id = ?').get(id) as { ref: number }).ref;
        },
      };
    }
    const pool: pg.Pool = poolOn(await schemaDatabase());
    const history = new PostgresHistoryStore(pool);
    web = await startWebHarness(YAML, undefined, undefined, {
      queries: new PostgresQueryStore(pool),
      history,
    });
    return {
      history,
      sql: async (text, params) => void (await pool.query(numbered(text), [...params])),
      monitorRef: async (id) =>
        (
          await pool.query<{ ref: number }>(
            "INSERT INTO monitors (id, service_id, type, target) VALUES ($1, 'svc', 'http', 'https://x/') RETURNING ref",
            [id],
          )
        ).rows[0]!.ref,
    };
  }

  const incident = (reads: Reads, serviceId: string, startedAt: number, resolvedAt: number | null) =>
    reads.sql(
      `INSERT INTO incidents (service_id, severity, status, started_at, updated_at, resolved_at, evidence_key, evidence_json)
       VALUES (?, 'major', ?, ?, ?, ?, 'c:detected', ?)`,
      [
        serviceId,
        resolvedAt === null ? 'down' : 'up',
        startedAt,
        resolvedAt ?? startedAt,
        resolvedAt,
        JSON.stringify([{ kind: 'crowd', level: 'detected', reporters: 31 }]),
      ],
    );

  it('serves the incidents as a well-formed feed, the hostile name as text', async () => {
    const reads = await start();
    await incident(reads, 'whatsapp', START - 2 * DAY_MS, START - 2 * DAY_MS + 45 * 60_000);
    await incident(reads, 'evil', START - 30 * 60_000, null);

    const xml = await (await fetch(`${web.url}/feed.atom`)).text();
    expect(checkWellFormedXml(xml)).toBe('feed');
    expect(xml).not.toContain('<script');
    const titles = [...xml.matchAll(/<entry>[\s\S]*?<title type="text">([^<]*)<\/title>/g)].map((m) => m[1]);
    expect(titles).toEqual([
      '&lt;/title&gt;&lt;script&gt;alert(&quot;feed&quot;)&lt;/script&gt;: down since Mar 19, 4:30 PM UTC',
      'WhatsApp: resolved after 45 minutes',
    ]);
    expect(xml).toContain('Many users report problems: 31 reports</summary>');

    const one = await (await fetch(`${web.url}/feed.atom?service=whatsapp`)).text();
    expect(one.match(/<entry>/g)).toHaveLength(1);
  });

  it('computes uptime and the p95 of hourly p95s from the roll-ups, for the API and the badge', async () => {
    const reads = await start();
    const ref = await reads.monitorRef(web.services.monitors[0]!.id);
    // Three days ago: 100 checks, 1 failed. Twenty days ago: 100 checks, 10 failed, slower.
    await reads.history.storeDay(ref, dayOf(START) - 3, [bucket(100, 1, 250)]);
    await reads.history.storeDay(ref, dayOf(START) - 20, [bucket(100, 10, 800)]);

    const detail = serviceDetailSchema.parse(await (await fetch(`${web.url}/api/services/whatsapp`)).json());
    expect(detail.uptime).toEqual([
      { days: 7, checks: 100, failures: 1, uptime: 0.99, p95OfHourlyP95Ms: 250 },
      { days: 30, checks: 200, failures: 11, uptime: 189 / 200, p95OfHourlyP95Ms: 800 },
      { days: 90, checks: 200, failures: 11, uptime: 189 / 200, p95OfHourlyP95Ms: 800 },
    ]);
    const badge = await (await fetch(`${web.url}/badge/whatsapp/uptime.svg?days=7`)).text();
    expect(badge).toContain('aria-label="WhatsApp uptime 7d: 99.00%"');
  });
});
