/**
 * One community cannot brigade the crowd signal: the real app in this process (its clock is the
 * wall clock plus an offset the test moves window by window, and the test steps the crowd runtime
 * when a window has ended, as its schedule would), Telegram through the real telegraf client
 * against the local Bot API, and Instagram's probe on a local target that stays up.
 *
 * 20 fresh accounts of one group report Instagram over two windows (what used to raise "possible
 * problems" for every subscriber): nobody else hears anything, nothing is queued, and the group
 * gets its own notice once. Then two groups report together: the alert goes to every subscriber.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../src/app.js';
import { loadAppConfig } from '../../src/app-config.js';
import { loadServicesFile } from '../../src/config/services-file.js';
import { WINDOW_MS, windowStart } from '../../src/core/crowd/index.js';
import { createLogger } from '../../src/logging.js';
import type { BotApiUser } from '../fakes/telegram/bot-api-types.js';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram/index.js';
import { startHttpTarget } from '../helpers/http-target.js';
import { writeSiteServices } from '../helpers/site-services.js';
import { BACKENDS } from '../helpers/backends.js';
import { backendDatabase } from '../helpers/backend-database.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Polls state outside the fake (the engine) until it holds. */
async function waitUntil(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const NOTICE =
  /members here report problems with Instagram; our probes and other communities see nothing yet/;

describe.each(BACKENDS)('crowd reports from one community on %s', (backend) => {
  it('never reach other chats; the community gets its own notice once; two communities still alert everyone', async () => {
    const fake = await startFakeTelegram({ rateLimits: false });
    cleanups.push(() => fake.close());
    const target = await startHttpTarget();
    cleanups.push(() => target.close());
    const dir = mkdtempSync(join(tmpdir(), 'crowd-brigade-'));
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

    const owner = fake.createUser({ first_name: 'Owner' });
    const fresh = (n: number, name: string): BotApiUser[] =>
      Array.from({ length: n }, (_, i) => fake.createUser({ first_name: `${name}${i}` }));
    const brigade = fresh(20, 'New');
    const peopleB = fresh(10, 'B');
    const peopleD = fresh(10, 'D');
    const group = (title: string, members: readonly BotApiUser[]): number =>
      fake.createChat({ type: 'group', title, creator: owner, members: [...members] }).id;
    const a = group('Brigade', brigade); // subscribed to Instagram; its members brigade
    const b = group('Elsewhere', peopleB); // subscribed to Instagram
    const c = group('Everything', []); // subscribed to every service
    const d = group('Not subscribed', peopleD); // reports, subscribes to nothing
    await db.subscriptions(async (subscriptions) => {
      for (const [chat, service] of [
        [a, 'instagram'],
        [b, 'instagram'],
        [c, '*'],
      ] as const) {
        await subscriptions.subscribe(
          { platform: 'telegram', chatId: String(chat) },
          service,
          'minor',
          Date.now(),
        );
      }
    });

    // The app's time: the wall clock, moved to 10 s into a window and then a window at a time.
    let offset = windowStart(Date.now()) + WINDOW_MS + 10_000 - Date.now();
    const now = (): number => Date.now() + offset;
    const config = loadAppConfig({
      ALERT_GATHER_S: '1',
      ...db.env,
      SERVICES_FILE: servicesFile,
      HTTP_PORT: '0',
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.apiRoot,
      LOG_LEVEL: 'silent',
    });
    const app: RunningApp = await startApp(config, loadServicesFile(servicesFile), {
      clock: { now },
      log: createLogger('silent', config.secrets),
      out: new Writable({ write: (_c, _e, cb) => cb() }),
    });
    cleanups.push(() => app.stop());
    await waitUntil(() => app.engine.serviceState('instagram')?.status === 'up');

    /** The next window: the one the reports were in has ended, and the crowd runtime evaluates it. */
    const nextWindow = async (): Promise<string> => {
      offset += WINDOW_MS;
      await app.crowd.step(now());
      return (await app.crowd.detectorState('instagram')).level;
    };
    /** Members send `/report instagram app` one after the other, each once the previous one is answered. */
    const report = async (fakeApi: FakeTelegram, senders: readonly (readonly [number, BotApiUser])[]) => {
      for (const [chat, user] of senders) {
        const answered = fakeApi.messages(chat).length + 1;
        fakeApi.sendUserMessage(chat, user, '/report instagram app');
        await fakeApi.waitFor(() => fakeApi.messages(chat).length >= answered);
      }
    };
    const noticesIn = (chat: number): string[] =>
      fake
        .messages(chat)
        .map((m) => m.text)
        .filter((text) => NOTICE.test(text));

    // 10 fresh accounts of group A report in one window, 10 more in the next.
    await report(
      fake,
      brigade.slice(0, 10).map((u) => [a, u] as const),
    );
    expect(fake.messages(a)).toHaveLength(10);
    expect(noticesIn(a)).toEqual([fake.messages(a)[4]?.text]); // the fifth report's answer
    expect(fake.messages(a)[4]?.text).toMatch(
      /^Thanks, your report about Instagram \(app not working\) is counted\./,
    );
    expect(fake.messages(a)[4]?.text).toMatch(/^5 members here report problems with Instagram/m);
    expect(await nextWindow()).toBe('none');
    await report(
      fake,
      brigade.slice(10).map((u) => [a, u] as const),
    );
    expect(fake.messages(a)).toHaveLength(20);
    expect(noticesIn(a)).toHaveLength(1); // at most once
    expect(await nextWindow()).toBe('none');

    // Nobody else hears anything: no incident, nothing queued for any chat.
    expect(app.engine.serviceState('instagram')?.status).toBe('up');
    expect(app.engine.openIncident('instagram')).toBeUndefined();
    expect(await db.count('SELECT COUNT(*) AS n FROM outbox')).toBe(0);
    expect(fake.messages(b)).toEqual([]);
    expect(fake.messages(c)).toEqual([]);

    // Two groups report together, two windows running: "possible problems" for every subscriber.
    const together = (from: number): (readonly [number, BotApiUser])[] =>
      [0, 1, 2, 3, 4].flatMap((i) => [
        [b, peopleB[from + i] as BotApiUser] as const,
        [d, peopleD[from + i] as BotApiUser] as const,
      ]);
    await report(fake, together(0));
    expect(await nextWindow()).toBe('none'); // one spike
    await report(fake, together(5));
    expect(await nextWindow()).toBe('possible');
    // Neither group was told it is alone: they were not.
    expect([...noticesIn(b), ...noticesIn(d)]).toEqual([]);
    const alerted = (chat: number) =>
      fake.waitFor(
        () => fake.messages(chat).find((m) => /Instagram is having problems/.test(m.text)),
        20_000,
      );
    const [alertA, alertB, alertC] = await Promise.all([alerted(a), alerted(b), alerted(c)]);
    for (const alert of [alertA, alertB, alertC])
      expect(alert.text).toMatch(/10 user reports, more than usual/);
    expect(fake.messages(d).filter((m) => /is having problems/.test(m.text))).toEqual([]);
    expect(noticesIn(a)).toHaveLength(1);
  }, 90_000);
});
