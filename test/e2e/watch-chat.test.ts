/**
 * `/watch` as an admin tries it on the local Telegram (real telegraf, the built bot): the operator
 * allows 127.0.0.0/8 for the demo; a member is refused; a Statuspage host on loopback (a real
 * fixture) given as one of its HTML pages is followed as its `/api/v2/summary.json`, listed by
 * `/monitor list`, comes up as an official source, and `/monitor remove` ends it. On the local
 * Discord (real discord.js), the `components` option autocompletes from the page typed in `url`.
 */
import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { messagesFor } from '../../src/core/i18n/index.js';
import { type MonitorWorld, startMonitorWorld } from './monitor-harness.js';
import { waitUntil } from './telegram-harness.js';

const SUMMARY = readFileSync(
  new URL('../fixtures/status/statuspage/discord_summary_operational.json', import.meta.url),
  'utf8',
);
const en = messagesFor('en');

let world: MonitorWorld | undefined;
let server: Server | undefined;
afterEach(async () => {
  await world?.close();
  if (server !== undefined) {
    const s = server;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
  world = server = undefined;
});

async function statusHost(): Promise<string> {
  const s = createServer((req, res) => {
    if (req.url === '/api/v2/summary.json') {
      res.setHeader('content-type', 'application/json');
      res.end(SUMMARY);
    } else if (req.url === '/about') {
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><html><body>About us</body></html>');
    } else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  server = s;
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

describe('/watch in chat, as a new user tries it', () => {
  it('Telegram: a member is refused, a status page given as its HTML page followed, then removed', async () => {
    const base = await statusHost();
    world = await startMonitorWorld({ backend: 'sqlite', allowedRanges: ['127.0.0.0/8'], admins: 1 });
    const { telegram, app } = world;
    const [admin, group] = [telegram.admins[0], telegram.groups[0]];
    if (admin === undefined || group === undefined) throw new Error('no admin');

    const refused = await telegram.say(group, telegram.member, `/watch ${base}/api/v2/summary.json`);
    expect(refused.text).toBe(en.commands.adminRequired());
    // The HTML page is read first; the host's summary is what gets followed.
    const added = await telegram.say(group, admin, `/watch ${base}/about`);
    expect(added.text).toContain(`Watching “127.0.0.1”: ${base}/api/v2/summary.json, read every`);

    const listing = await telegram.say(group, admin, '/monitor list');
    expect(listing.text).toContain(`• 127.0.0.1: ${base}/api/v2/summary.json`);
    const serviceId = app.chatMonitors.servicesOf({ platform: 'telegram', chatId: String(group) })[0]?.id;
    if (serviceId === undefined) throw new Error('the page is not a service of the group');
    await waitUntil(() => app.engine.serviceState(serviceId)?.status === 'up', 30_000);

    const removed = await telegram.say(group, admin, '/monitor remove 127.0.0.1');
    expect(removed.text).toBe(en.monitors.removed({ name: '127.0.0.1' }));

    // Discord: the page's components, the last comma-separated name completed; a member gets none.
    const { discord } = world;
    const [dcAdmin, channel] = [discord.admins[0], discord.channels[0]];
    if (dcAdmin === undefined || channel === undefined) throw new Error('no Discord admin');
    const complete = async (userId: string, components: string): Promise<unknown[]> => {
      const answer = await discord.fake
        .interaction({
          kind: 'autocomplete',
          channelId: channel,
          userId,
          name: 'watch',
          options: [
            { name: 'url', value: `${base}/about` },
            { name: 'components', value: components, focused: true },
          ],
        })
        .response();
      return (answer.data as { choices?: unknown[] }).choices ?? [];
    };
    // The page is read in the background when slower than the wait: ask until it is kept.
    let choices: unknown[] = [];
    await waitUntil(async () => (choices = await complete(dcAdmin, 'x, kor')).length > 0, 10_000);
    expect(choices).toEqual([{ name: 'x, South Korea', value: 'x, South Korea' }]);
    expect(await complete(discord.member, '')).toEqual([]);
  });
});
