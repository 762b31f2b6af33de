/**
 * `npm start` with Telegram enabled: a site that keeps going down and coming back, then steadies.
 * The chat is told once that it is unstable and once that it is back, and no incident is left
 * open. A short flap window in the services file keeps this to well under a minute.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { serviceDetailSchema, serviceListSchema } from '../../src/web/api-schemas.js';
import type { SentMessageRecord } from '../fakes/telegram/fake-state.js';
import { tempDir } from '../helpers/temp-dir.js';
import { type TelegramWorld, startTelegramWorld } from './telegram-harness.js';

let world: TelegramWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function waitFor(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(100);
  }
}
/** Every version a message has shown: its edits, then its current text. */
const versions = (m: SentMessageRecord): string[] => [...m.edits.map((e) => e.text), m.text];

describe('a flapping site end to end', () => {
  it('tells the chat once that the site is unstable and once that it is back, leaving no incident open', async () => {
    world = await startTelegramWorld();
    const { fake, target } = world;
    const creator = fake.createUser({ first_name: 'Owner' });
    const groupId = fake.createChat({ type: 'group', title: 'Ops', creator }).id;
    await world.subscribe(groupId, 'site');
    // Checked every second, confirmed after 2 checks each way; more than 3 changes in 20 s is flapping.
    const servicesFile = join(tempDir('flapping-e2e-'), 'services.yaml');
    writeFileSync(
      servicesFile,
      `defaults: { every: 1s, timeout: 800ms, confirm: { down: 2, up: 2 }, flap: { changes: 3, window: 20s } }
services:
  - id: site
    name: Our site
    monitors:
      - { type: http, url: "${target.url}" }
`,
    );
    const bot = world.startBot({ SERVICES_FILE: servicesFile });
    const banner = await bot.waitForLine(/status API on (http:\/\/\S+)\/api\/services/);
    const base = /status API on (http:\/\/\S+)\/api\/services/.exec(banner)?.[1] ?? '';
    const siteStatus = async () =>
      serviceListSchema.parse(await (await fetch(`${base}/api/services`)).json()).services[0];
    const siteDetail = async () =>
      serviceDetailSchema.parse(await (await fetch(`${base}/api/services/site`)).json());
    await waitFor(async () => (await siteStatus())?.status === 'up');
    const mentionsUnstable = () =>
      fake.messages(groupId).filter((m) => versions(m).some((t) => /unstable/.test(t)));

    // Down and up every 3 seconds until the chat hears it is unstable (the fourth change).
    let flips = 0;
    while (mentionsUnstable().length === 0) {
      if (flips > 20) throw new Error('never told unstable');
      target.up = !target.up;
      flips++;
      await sleep(3_000);
    }
    // A couple more flips change nothing anybody is told.
    for (let i = 0; i < 4; i++) {
      target.up = !target.up;
      await sleep(3_000);
    }
    // The list is cached for up to a second.
    await waitFor(async () => (await siteStatus())?.unstable === true);
    expect(await siteStatus()).toMatchObject({ id: 'site', status: 'degraded', unstable: true });
    expect((await siteDetail()).evidence.map((e) => e.kind)).toEqual(['unstable']);
    expect(await (await fetch(`${base}/`)).text()).toContain('>unstable</span>');
    expect(await (await fetch(`${base}/services/site`)).text()).toMatch(/unstable, changed state \d+ times/);
    const before = fake.messages(groupId).length;

    // Steady: it settles, and the incident resolves.
    target.up = true;
    const recovery = await fake.waitFor(() => fake.messages(groupId)[before], 40_000);
    expect(recovery.text).toMatch(/Our site is back up after /);
    await waitFor(async () => (await siteStatus())?.status === 'up');
    expect(await siteStatus()).not.toHaveProperty('unstable');
    await sleep(3_000);
    expect(fake.messages(groupId)).toHaveLength(before + 1);
    expect(mentionsUnstable()).toHaveLength(1);
    expect(mentionsUnstable()[0]?.text).toMatch(/Our site is unstable/);

    const db = openDatabase(world.databasePath);
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM incidents WHERE resolved_at IS NULL').get()).toEqual({
        n: 0,
      });
    } finally {
      db.close();
    }
  }, 120_000);
});
