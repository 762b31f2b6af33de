/**
 * Two instances of the app in one process against one PostgreSQL database (docs/cluster.md): they
 * share the services out, one of them sends the alerts, every outage and every recovery reaches
 * the chat once, and a graceful stop hands everything over to the other at once.
 */
import { writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type RunningApp, startApp } from '../../src/app.js';
import type { AppConfig } from '../../src/app-config.js';
import { loadServicesFile } from '../../src/config/services-file.js';
import { keysOwnedBy } from '../../src/core/cluster/rendezvous.js';
import type { DeliveryJob } from '../../src/core/delivery/ports.js';
import type { ChatPlatform } from '../../src/platforms/platform.js';
import { silentLog } from '../dispatch/delivery-fixtures.js';
import { backendDatabase } from '../helpers/backend-database.js';
import { tempDir } from '../helpers/temp-dir.js';

const SERVICES = 20;
/**
 * Services that go down: three of each instance's (rendezvous hashing is deterministic). Far fewer
 * than half of what either sees, so its vantage guard never takes the wave for its own network
 * failing (docs/design.md §3).
 */
const DOWN_PER_INSTANCE = 3;
const discard = new Writable({ write: (_chunk, _encoding, done) => done() });

/** A platform whose sends are recorded (with the instance that sent them). */
function recordingPlatform(instance: string, sent: { instance: string; job: DeliveryJob }[]): ChatPlatform {
  let n = 0;
  return {
    name: 'telegram',
    sender: {
      platform: 'telegram',
      deliver: (job) => {
        sent.push({ instance, job });
        return Promise.resolve({ kind: 'sent', messageId: `${instance}-${++n}` });
      },
    },
    pacing: { global: null, privateChat: null, groupChat: null, isGroupChat: () => true },
    connected: true,
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
  };
}

describe('two instances on one PostgreSQL', () => {
  const down = new Set<string>();
  let target: Server;
  const apps: RunningApp[] = [];
  afterAll(async () => {
    for (const app of apps) await app.stop().catch(() => undefined);
    await new Promise((resolve) => target.close(resolve));
  });

  it('share the services, alert each outage and recovery once, and hand over on a graceful stop', async () => {
    target = createServer((req, res) => {
      const id = (req.url ?? '/').slice(1);
      res.statusCode = down.has(id) ? 503 : 200;
      res.end(down.has(id) ? 'down' : 'ok');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const address = target.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const dir = tempDir('two-instances-');
    const servicesFile = join(dir, 'services.yaml');
    const ids = Array.from({ length: SERVICES }, (_, i) => `svc${i}`);
    writeFileSync(
      servicesFile,
      `defaults: { every: 1s, timeout: 500ms }\nservices:\n${ids
        .map(
          (id) =>
            `  - id: ${id}\n    name: Service ${id}\n    monitors:\n      - { type: http, url: "http://127.0.0.1:${address.port}/${id}" }\n`,
        )
        .join('')}`,
    );
    const services = loadServicesFile(servicesFile);
    const db = await backendDatabase('postgres', dir);
    await db.subscriptions((s) =>
      s.subscribe({ platform: 'telegram', chatId: '100' }, '*', 'minor', Date.now()),
    );
    const sent: { instance: string; job: DeliveryJob }[] = [];
    const start = (instanceId: string) => {
      const config: AppConfig = {
        discord: null,
        telegram: null,
        database: db.database,
        databasePath: db.databasePath,
        servicesFile,
        http: { host: '127.0.0.1', port: 0 },
        defaultLocale: 'en',
        defaultTimeZone: 'UTC',
        logLevel: 'silent',
        secrets: [...db.secrets],
        cluster: { instanceId, vantage: `v-${instanceId}`, leaseMs: 1_500 },
      };
      return startApp(config, services, {
        clock: { now: () => Date.now() },
        log: silentLog,
        out: discard,
        platforms: () => [recordingPlatform(instanceId, sent)],
      });
    };
    const a = await start('a');
    apps.push(a);
    const b = await start('b');
    apps.push(b);

    // Both hold some services, together all; one leads the platform.
    await vi.waitFor(
      () => {
        const sa = a.cluster?.status().held['service'] ?? [];
        const sb = b.cluster?.status().held['service'] ?? [];
        expect(sa.length).toBeGreaterThan(0);
        expect(sb.length).toBeGreaterThan(0);
        expect(new Set([...sa, ...sb]).size).toBe(SERVICES);
        expect(sa.length + sb.length).toBe(SERVICES);
      },
      { timeout: 15_000, interval: 100 },
    );
    const leaders = [a, b].filter((app) =>
      (app.cluster?.status().held['platform'] ?? []).includes('telegram'),
    );
    expect(leaders).toHaveLength(1);
    // Each instance's /healthz and /metrics say who is in the cluster and what it owns and leads.
    for (const app of [a, b]) {
      const health = (await (await fetch(`${app.url}/healthz`)).json()) as {
        cluster: { members: { instanceId: string }[]; owned: { services: number; platforms: string[] } };
      };
      expect(health.cluster.members.map((m) => m.instanceId).sort()).toEqual(['a', 'b']);
      expect(health.cluster.owned.services).toBe(app.cluster?.status().held['service']?.length);
      const metrics = await (await fetch(`${app.url}/metrics`)).text();
      expect(metrics).toMatch(/^incident_bot_cluster_members 2$/m);
      expect(metrics).toMatch(/^incident_bot_cluster_ok 1$/m);
      expect(metrics).toContain(
        `incident_bot_cluster_leases{kind="service"} ${health.cluster.owned.services}`,
      );
      expect(metrics.includes('incident_bot_cluster_leader{platform="telegram"} 1')).toBe(app === leaders[0]);
    }

    // Each event as told in a new message (an edit shows a grouped alert's events again).
    const kinds = (kind: string) =>
      sent
        .filter((s) => s.job.kind !== 'edit')
        .flatMap((s) => s.job.events.filter((e) => e.kind === kind).map((e) => e.serviceId))
        .sort();
    const failing = ['a', 'b']
      .flatMap((m) => keysOwnedBy(m, ids, ['a', 'b']).slice(0, DOWN_PER_INSTANCE))
      .sort();
    for (const id of failing) down.add(id);
    await vi.waitFor(() => expect(kinds('opened')).toEqual(failing), { timeout: 60_000, interval: 200 });

    // The instance that does not lead stops gracefully: its services move to the other at once.
    const follower = leaders[0] === a ? b : a;
    const leader = leaders[0] === a ? a : b;
    await follower.stop();
    apps.splice(apps.indexOf(follower), 1);
    await vi.waitFor(() => expect(leader.cluster?.status().held['service']).toHaveLength(SERVICES), {
      timeout: 10_000,
      interval: 100,
    });
    down.clear();
    await vi.waitFor(() => expect(kinds('resolved')).toEqual(failing), { timeout: 60_000, interval: 200 });
    // Nothing twice: one incident per failing service in the database, one opening and one recovery each sent.
    expect(await db.count('SELECT COUNT(*) AS n FROM incidents')).toBe(failing.length);
    expect(kinds('opened')).toEqual(failing);
  }, 150_000);
});
