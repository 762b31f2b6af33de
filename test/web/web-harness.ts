import { SqliteNoteStore } from '../../src/db/sqlite-note-store.js';
import type { StorageState } from '../../src/db/storage-health.js';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseServices, type ServicesConfig } from '../../src/config/services-file.js';
import { DetectionEngine } from '../../src/core/detection/engine.js';
import type { ProbeOutcome } from '../../src/core/model.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import { SqliteOutboxStore } from '../../src/db/sqlite-outbox-store.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import { type QueryStore, SqliteQueryStore } from '../../src/db/sqlite-query-store.js';
import { createHttpServer, type HttpExtras } from '../../src/web/http-server.js';
import { ServiceHistory } from '../../src/charts/service-history.js';
import { type HistoryReader, SqliteHistoryStore } from '../../src/db/sqlite-history-store.js';
import { StatusPage } from '../../src/web/status-page.js';
import { type PlatformStatus, StatusView } from '../../src/web/status-view.js';
import { tempDir } from '../helpers/temp-dir.js';

/** 2021-03-19 17:00 UTC: shortly before the WhatsApp outage of docs/design.md §1. */
export const START = Date.UTC(2021, 2, 19, 17, 0);

export const SERVICES_YAML = `defaults: { every: 60s, timeout: 10s, confirm: { down: 2, up: 2 } }
services:
  - id: whatsapp
    name: WhatsApp
    monitors:
      - { type: http, url: "https://web.whatsapp.com/" }
  - id: github
    name: GitHub <script>alert(1)</script>
    monitors:
      - { type: http, url: "https://github.com/" }
`;

/** SERVICES_YAML with one control target: when it fails, our own network looks broken. */
export const CONTROL_SERVICES_YAML = `${SERVICES_YAML}control:
  - { type: tcp, host: 192.0.2.1, port: 53 }
`;

export interface WebHarness {
  readonly url: string;
  readonly db: Db;
  readonly services: ServicesConfig;
  readonly engine: DetectionEngine;
  readonly subscriptions: SqliteSubscriptionStore;
  readonly history: ServiceHistory;
  readonly view: StatusView;
  readonly clock: { now(): number; set(ms: number): void; advance(ms: number): void };
  /** Feeds one check result of a monitor at the current clock time, as the scheduler would. */
  check(monitorId: string, outcome: Partial<ProbeOutcome> & Pick<ProbeOutcome, 'status'>): void;
  close(): Promise<void>;
}

/**
 * The HTTP surface over a real SQLite file and the real engine, on loopback port 0, with an
 * injected clock. Checks are fed as the scheduler would feed them, so history is real rows.
 */
export async function startWebHarness(
  yaml = SERVICES_YAML,
  extras: (h: Omit<WebHarness, 'url' | 'close'>) => HttpExtras = () => ({}),
  health: {
    scheduler: { readonly lastTick: number | null };
    platforms?: readonly PlatformStatus[];
    storage?: { readonly state: StorageState };
  } = {
    scheduler: { lastTick: null },
  },
  /**
   * Where the view reads incidents and check history (another backend's stores); the engine and
   * the checks fed to it stay on the harness's SQLite file.
   */
  reads?: { readonly queries: QueryStore; readonly history: HistoryReader },
): Promise<WebHarness> {
  let now = START;
  const clock = {
    now: () => now,
    set: (ms: number) => void (now = ms),
    advance: (ms: number) => void (now += ms),
  };
  const services = parseServices(yaml);
  const db = openDatabase(join(tempDir('web-'), 'bot.db'));
  const detectionStore = new SqliteDetectionStore(db, services);
  const subscriptions = new SqliteSubscriptionStore(db, { locale: 'en', timeZone: 'UTC' });
  const outbox = new SqliteOutboxStore(db);
  // As in the app: outbox rows are written in the incident's transaction.
  detectionStore.addIncidentHook((event) => outbox.enqueueIncidentEvent(event));
  const engine = new DetectionEngine(services, detectionStore, clock, { roundMs: 60_000 });
  const queries = reads?.queries ?? new SqliteQueryStore(db);
  const history = new ServiceHistory(reads?.history ?? new SqliteHistoryStore(db), clock);
  const view = new StatusView(
    services,
    engine,
    queries,
    clock,
    health.scheduler,
    health.platforms,
    undefined,
    health.storage,
    undefined,
    history,
    new SqliteNoteStore(db),
  );
  const check: WebHarness['check'] = (monitorId, outcome) =>
    engine.handleResult(monitorId, {
      reason: outcome.status === 'down' ? 'http-status' : 'ok',
      message: outcome.status === 'down' ? 'HTTP 503' : 'HTTP 200',
      latencyMs: outcome.status === 'down' ? null : 120,
      facts: { statusCode: outcome.status === 'down' ? 503 : 200 },
      ...outcome,
    });
  const parts = { db, services, engine, history, view, clock, check, subscriptions };
  const page = new StatusPage(view, history, clock);
  const app = createHttpServer(view, pino({ level: 'silent' }), { page, ...extras(parts) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    ...parts,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await app.close();
      db.close();
    },
  };
}
