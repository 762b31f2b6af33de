/**
 * A Discord guild is one community for crowd reports, whatever channel its members report in:
 * the whole app in this process with the Discord platform against the local Discord. Members of
 * one guild report Instagram from two channels: their receipts are private, the answer to the
 * fifth carries the community's own notice for the channel to see, once, and the crowd level
 * stays `none` (one community alone counts 0).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../src/app.js';
import type { AppConfig } from '../../src/app-config.js';
import { loadServicesFile } from '../../src/config/services-file.js';
import { WINDOW_MS } from '../../src/core/crowd/index.js';
import { silentLog } from '../dispatch/delivery-fixtures.js';
import { startFakeDiscord } from '../fakes/discord/index.js';
import { startHttpTarget } from '../helpers/http-target.js';
import { writeSiteServices } from '../helpers/site-services.js';
import { BACKENDS } from '../helpers/backends.js';
import { backendDatabase } from '../helpers/backend-database.js';
import { must } from './discord-harness.js';

const EPHEMERAL = 64;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// Every report is stored (crowd_reports) and the crowd state read back: on both backends.
describe.each(BACKENDS)('crowd reports from one Discord guild on %s', (backend) => {
  it('count as one community across its channels: private receipts, one public notice, no crowd level', async () => {
    const fake = await startFakeDiscord({ heartbeatIntervalMs: 500, onUnknownRoute: () => undefined });
    cleanups.push(() => fake.close());
    const members = Array.from({ length: 7 }, (_, i) => ({ username: `m${i}`, permissions: '0' }));
    const guild = fake.addGuild({ name: 'Gamers', channels: [{ name: 'one' }, { name: 'two' }], members });
    const target = await startHttpTarget();
    cleanups.push(() => target.close());
    const dir = mkdtempSync(join(tmpdir(), 'crowd-guild-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const db = await backendDatabase(backend, dir);
    const servicesFile = writeSiteServices(
      dir,
      target.url,
      `  - id: instagram
    name: Instagram
    monitors:
      - { type: http, url: "${target.url}" }
`,
    );
    const config: AppConfig = {
      discord: {
        token: fake.token,
        applicationId: fake.applicationId,
        guildId: guild.id,
        apiRoot: fake.restUrl,
      },
      telegram: null,
      database: db.database,
      databasePath: db.databasePath,
      servicesFile,
      http: { host: '127.0.0.1', port: 0 },
      defaultLocale: 'en',
      defaultTimeZone: 'UTC',
      logLevel: 'silent',
      alertGatherMs: 1000,
      secrets: [...db.secrets],
    };
    const app: RunningApp = await startApp(config, loadServicesFile(servicesFile), {
      clock: { now: () => Date.now() },
      log: silentLog,
      out: new Writable({ write: (_c, _e, done) => done() }),
    });
    cleanups.push(() => app.stop());

    const channels = [must(guild.channels.one, 'one'), must(guild.channels.two, 'two')];
    const answers: { content: string; flags: number }[] = [];
    for (let i = 0; i < 7; i++) {
      const response = await fake
        .interaction({
          kind: 'command',
          channelId: channels[i % 2] ?? '',
          userId: must(guild.members[`m${i}`], `m${i}`),
          name: 'report',
          options: [{ name: 'service', value: 'instagram' }],
        })
        .response();
      const data = response.data as { content?: unknown; flags?: unknown };
      answers.push({ content: String(data.content), flags: Number(data.flags ?? 0) });
    }
    const notice =
      /^5 members here report problems with Instagram; our probes and other communities see nothing yet/m;
    expect(answers.map((a) => notice.test(a.content))).toEqual([
      false,
      false,
      false,
      false,
      true,
      false,
      false,
    ]);
    // The fifth answer, in channel `one`, is public; every plain receipt is private.
    expect(answers.map((a) => (a.flags & EPHEMERAL) !== 0)).toEqual([
      true,
      true,
      true,
      true,
      false,
      true,
      true,
    ]);
    expect(answers[4]?.content).toMatch(/^Thanks, your report about Instagram .* is counted\./); // markdown-escaped

    // Seven members of one guild in two channels: one community, so the window counts 0.
    await app.crowd.step(Date.now() + WINDOW_MS);
    expect((await app.crowd.detectorState('instagram')).level).toBe('none');
    expect((await app.crowd.detectorState('instagram')).recent.every((r) => !r.spike)).toBe(true);
  }, 60_000);
});
