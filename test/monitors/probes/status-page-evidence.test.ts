import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseServices } from '../../../src/config/services-file.js';
import { buildAlert } from '../../../src/core/alert-message.js';
import { DetectionEngine } from '../../../src/core/detection/engine.js';
import type { IncidentEvent } from '../../../src/core/events.js';
import { type Db, openDatabase } from '../../../src/db/database.js';
import { SqliteDetectionStore } from '../../../src/db/sqlite-detection-store.js';
import { runProbe } from '../../../src/monitors/scheduler.js';
import { readStatusFixture } from '../../sources/status-fixtures.js';
import { listen } from './probe-test-kit.js';
import { tempDir } from '../../helpers/temp-dir.js';

const T0 = Date.parse('2022-11-25T12:00:00Z');
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

/**
 * A status page and a website on loopback, the services file that watches them, and the engine
 * on a real SQLite file: what the official page says reaches the alert as evidence.
 */
async function setUp() {
  const page = {
    status: 200,
    type: 'application/json',
    body: readStatusFixture('statuspage/github_summary_incident_2022-11-25.json'),
  };
  const server = createServer((req, res) => {
    if (req.url === '/api/v2/summary.json') {
      res.writeHead(page.status, { 'content-type': page.type });
      res.end(page.body);
    } else {
      res.end('ok');
    }
  });
  const port = await listen(server);
  const services = parseServices(`defaults: { every: 60s, timeout: 2s }
services:
  - id: github
    name: GitHub
    monitors:
      - { type: http, url: "http://127.0.0.1:${port}/" }
      - { type: statuspage, url: "http://127.0.0.1:${port}/api/v2/summary.json" }
`);
  const db = openDatabase(join(tempDir('official-'), 'bot.db'));
  dbs.push(db);
  let now = T0;
  const engine = new DetectionEngine(
    services,
    new SqliteDetectionStore(db, services),
    { now: () => now },
    { roundMs: 60_000 },
  );
  const events: IncidentEvent[] = [];
  engine.onIncident((e) => events.push(e));
  const round = async (): Promise<void> => {
    now += 60_000;
    for (const monitor of services.monitors) {
      engine.handleResult(monitor.id, await runProbe(monitor, new AbortController().signal));
    }
  };
  return { page, round, events, engine };
}

describe('statuspage monitors in detection', () => {
  it('opens a minor incident with the page own words, framed per language', async () => {
    const { round, events } = await setUp();
    await round();
    await round();
    expect(events.map((e) => [e.kind, e.status, e.severity])).toEqual([['opened', 'degraded', 'minor']]);
    const [opened] = events;
    const english = buildAlert([opened!], { locale: 'en', timeZone: 'UTC' });
    expect(english.lines).toEqual(['GitHub says: Investigating — Incident with Packages and Pages']);
    const bengali = buildAlert([opened!], { locale: 'bn', timeZone: 'Asia/Dhaka' });
    expect(bengali.lines).toEqual(['GitHub জানিয়েছে: Investigating — Incident with Packages and Pages']);
  });

  it('resolves when the page is all clear again', async () => {
    const { page, round, events } = await setUp();
    await round();
    await round();
    page.body = readStatusFixture('statuspage/discord_summary_operational.json');
    await round();
    await round();
    expect(events.map((e) => e.kind)).toEqual(['opened', 'resolved']);
  });

  it('raises nothing from a page that answers 500 or HTML, and keeps the service up on its probes', async () => {
    const { page, round, events, engine } = await setUp();
    page.status = 500;
    await round();
    await round();
    page.status = 200;
    page.type = 'text/html';
    page.body = '<!DOCTYPE html><html><body>Bad gateway</body></html>';
    await round();
    await round();
    expect(events).toEqual([]);
    expect(engine.serviceState('github')?.status).toBe('up');
  });
});
