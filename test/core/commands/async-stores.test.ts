import { describe, expect, it } from 'vitest';
import { CommandService } from '../../../src/core/commands/command-service.js';
import type { CommandReply } from '../../../src/core/commands/command-request.js';
import type { MonitorCommandPort } from '../../../src/core/commands/ports.js';
import { asyncPort } from '../../helpers/async-port.js';
import { CHAT, SERVICES, T0, makeHarness, request } from './harness.js';

/** Budgets the script never reaches. */
const GENEROUS = { userRate: { burst: 1000, perMs: 1000 }, chatRate: { burst: 1000, perMs: 1000 } };

/** A `/monitor` port whose stored commands (remove, list) answer later, as a networked store does. */
function monitors(): MonitorCommandPort {
  const names = new Set(['site']);
  const summary = (name: string) => ({ name, target: 'https://site.example.org/', intervalMs: 60_000 });
  const later = <T>(value: () => T): Promise<T> =>
    new Promise((resolve) => setImmediate(() => resolve(value())));
  return {
    add: () => Promise.resolve({ kind: 'invalid-name' }),
    remove: (_caller, name) =>
      later(() =>
        names.delete(name) ? { kind: 'removed', monitor: summary(name) } : { kind: 'not-found', name },
      ),
    list: () => later(() => ({ monitors: [...names].map(summary), limit: 20, audit: [] })),
    servicesOf: () => [],
    serviceIds: () => [],
  };
}

const MONITORS = { startCommand: true, mentionRole: false, chatMonitors: true };

/** Every command that reads or writes a store, in an order where each answer depends on the last. */
const SCRIPT = [
  request('subscriptions'),
  request('subscribe', { service: 'WhatsApp' }),
  request('subscribe', { service: 'github', severity: 'major' }),
  request('subscribe', { service: 'all' }),
  request('subscriptions'),
  request('unsubscribe', { service: 'github' }),
  request('unsubscribe', { service: 'github' }),
  request('settings', { language: 'bn', timezone: 'Asia/Dhaka' }),
  request('settings'),
  request('incidents'),
  request('incidents', { service: 'whatsapp' }),
  request('report', { service: 'whatsapp', problem: 'login' }),
  request('report', { service: 'whatsapp' }),
  request('report-button', { service: 'github' }),
  request('mute-button', { service: 'whatsapp' }),
  request('status', { service: 'whatsapp' }),
  request('monitor', { action: 'list' }, { capabilities: MONITORS }),
  request('monitor', { action: 'remove', name: 'site' }, { capabilities: MONITORS }),
  request('monitor', { action: 'remove', name: 'site' }, { capabilities: MONITORS }),
  request('unsubscribe', { service: 'all' }),
  request('subscriptions'),
  request('help', {}, { chatId: '12345', kind: 'private', localeHint: 'hi' }),
  request('subscribe', { service: 'whatsapp' }, { chatId: '12345', kind: 'private', localeHint: 'hi' }),
  request('subscriptions', {}, { chatId: '12345', kind: 'private', localeHint: 'hi' }),
];

async function run(asynchronous: boolean): Promise<{ replies: CommandReply[]; stored: unknown }> {
  const h = makeHarness();
  h.incidents.rows = [
    { serviceId: 'whatsapp', severity: 'major', startedAt: T0 - 3_600_000, resolvedAt: null },
    { serviceId: 'github', severity: 'minor', startedAt: T0 - 7_200_000, resolvedAt: T0 - 3_600_000 },
  ];
  const wrap = <T extends object>(port: T): T => (asynchronous ? (asyncPort(port) as unknown as T) : port);
  const service = new CommandService(
    {
      services: { services: SERVICES },
      states: { serviceState: () => undefined },
      incidents: wrap(h.incidents),
      subscriptions: wrap(h.store),
      reports: wrap(h.reports),
      clock: h.clock,
      monitors: monitors(),
    },
    GENEROUS,
  );
  const replies: CommandReply[] = [];
  for (const r of SCRIPT) replies.push(await service.handle(r));
  return { replies, stored: { subs: h.store.listSubscriptions(CHAT), settings: h.store.getSettings(CHAT) } };
}

describe('the commands over asynchronous stores', () => {
  it('answer and store exactly as over synchronous ones', async () => {
    const sync = await run(false);
    const later = await run(true);
    expect(later).toEqual(sync);
    expect(sync.replies.some((r) => 'error' in r)).toBe(false);
  });
});
