import { describe, expect, it } from 'vitest';
import { parseCommandText } from '../../../src/core/commands/command-parser.js';
import type { CommandArgs } from '../../../src/core/commands/command-request.js';
import { parseMaintenanceStart } from '../../../src/core/commands/definitions/maintenance-command.js';
import type {
  MaintenanceCancelOutcome,
  MaintenanceCommandPort,
  MaintenanceSetOutcome,
  MaintenanceSummary,
  MonitorCaller,
  MonitorCommandPort,
  MonitorListOutcome,
  MonitorRemoveOutcome,
  WatchedService,
} from '../../../src/core/commands/ports.js';
import { LOCALES, messagesFor } from '../../../src/core/i18n/index.js';
import { CHAT, T0, makeHarness, request } from './harness.js';

const en = messagesFor('en');
const bn = messagesFor('bn');
const HOUR = 3_600_000;
/** T0 (17:15 UTC) is 23:15 in Dhaka (UTC+6, no DST). */
const DHAKA = 'Asia/Dhaka';

/** The community's monitors `shop` and `Game server`, and their windows in memory. */
class FakeMaintenance implements MonitorCommandPort, MaintenanceCommandPort {
  readonly names = ['shop', 'Game server'];
  readonly windows = new Map<string, MaintenanceSummary>();
  calls = 0;

  async add(): Promise<never> {
    throw new Error('not in these tests');
  }
  remove(): MonitorRemoveOutcome {
    throw new Error('not in these tests');
  }
  list(): MonitorListOutcome {
    throw new Error('not in these tests');
  }
  servicesOf(): readonly WatchedService[] {
    return this.names.map((name, i) => ({ id: `chat-${i + 1}`, name }));
  }
  serviceIds(): readonly string[] {
    return ['chat-1', 'chat-2'];
  }

  private find(name: string): string | undefined {
    return this.names.find((n) => n.toLowerCase() === name.toLowerCase());
  }

  async setMaintenance(
    _caller: MonitorCaller,
    input: { readonly name: string; readonly startsAt: number; readonly endsAt: number },
  ): Promise<MaintenanceSetOutcome> {
    this.calls++;
    const name = this.find(input.name);
    if (name === undefined) return { kind: 'unknown-monitor', name: input.name, known: this.names };
    const window = { name, startsAt: input.startsAt, endsAt: input.endsAt };
    this.windows.set(name, window);
    return { kind: 'set', window };
  }

  async cancelMaintenance(_caller: MonitorCaller, given: string): Promise<MaintenanceCancelOutcome> {
    this.calls++;
    const name = this.find(given);
    if (name === undefined) return { kind: 'unknown-monitor', name: given, known: this.names };
    return this.windows.delete(name) ? { kind: 'cancelled', name } : { kind: 'none', name };
  }

  async listMaintenance(): Promise<readonly MaintenanceSummary[]> {
    this.calls++;
    return [...this.windows.values()].sort((a, b) => a.startsAt - b.startsAt);
  }
}

function setup(timeZone = DHAKA) {
  const monitors = new FakeMaintenance();
  const h = makeHarness({}, undefined, { monitors });
  h.store.updateSettings(CHAT, { timeZone }, T0);
  return { ...h, monitors };
}

const set = (args: CommandArgs) => request('maintenance', { action: 'set', ...args });

describe('/maintenance in Telegram words', () => {
  const TABLE: readonly [string, CommandArgs][] = [
    ['/maintenance', { action: 'list' }],
    ['/maintenance list', { action: 'list' }],
    ['/maintenance cancel Game server', { action: 'cancel', name: 'Game server' }],
    ['/maintenance shop now 2h', { action: 'set', name: 'shop', start: 'now', duration: '2h' }],
    ['/maintenance shop 23:30 90m', { action: 'set', name: 'shop', start: '23:30', duration: '90m' }],
    [
      '/maintenance Game server 2021-03-20 08:00 1d',
      { action: 'set', name: 'Game server', start: '2021-03-20 08:00', duration: '1d' },
    ],
    ['/maintenance set shop now 2h', { action: 'set', name: 'shop', start: 'now', duration: '2h' }],
    ['/maintenance shop now', { action: 'set', name: 'shop', duration: 'now' }],
    // A date and time in Bengali digits are two words of the start, as in ASCII.
    [
      '/maintenance shop ২০২১-০৩-২০ ০৮:০০ ২h',
      { action: 'set', name: 'shop', start: '২০২১-০৩-২০ ০৮:০০', duration: '২h' },
    ],
  ];
  it.each(TABLE)('%s', (text, args) => {
    expect(parseCommandText(text)).toMatchObject({ command: 'maintenance', args });
  });
});

describe('a maintenance start in the chat time zone', () => {
  it.each([
    ['now', DHAKA, T0],
    ['23:30', DHAKA, T0 + 15 * 60_000],
    // Today's 08:00 has passed in Dhaka: tomorrow's.
    ['08:00', DHAKA, Date.parse('2021-03-20T02:00:00Z')],
    ['2021-03-20 08:00', DHAKA, Date.parse('2021-03-20T02:00:00Z')],
    ['2021-03-19 10:00', DHAKA, Date.parse('2021-03-19T04:00:00Z')],
    // New York is on summer time (UTC-4) since 14 March 2021; in January it is UTC-5.
    ['2021-03-19 13:15', 'America/New_York', T0],
    ['2021-01-10 13:15', 'America/New_York', Date.parse('2021-01-10T18:15:00Z')],
    ['18:00', 'UTC', Date.parse('2021-03-19T18:00:00Z')],
    // The chat's own digits read as ASCII ones.
    ['২৩:৩০', DHAKA, T0 + 15 * 60_000],
    ['२०२१-०३-२० ०८:००', DHAKA, Date.parse('2021-03-20T02:00:00Z')],
  ])('%s in %s', (text, timeZone, expected) => {
    expect(parseMaintenanceStart(text, T0, timeZone)).toBe(expected);
  });

  it.each(['', 'later', '25:00', '12:60', '2021-02-30 10:00', '2021-13-01 10:00', '2021-03-20'])(
    'is none for %j',
    (text) => {
      expect(parseMaintenanceStart(text, T0, DHAKA)).toBeNull();
    },
  );
});

describe('/maintenance', () => {
  it('plans a window from a time in the chat time zone and answers with its start and end', async () => {
    const h = setup();
    const reply = await h.service.handle(set({ name: 'SHOP', start: '23:30', duration: '2h' }));
    const window = { name: 'shop', startsAt: T0 + 15 * 60_000, endsAt: T0 + 15 * 60_000 + 2 * HOUR };
    expect(h.monitors.windows.get('shop')).toEqual(window);
    expect(reply).toEqual({
      text: en.commands.maintenanceSet({
        name: 'shop',
        start: window.startsAt,
        end: window.endsAt,
        timeZone: DHAKA,
      }),
      ephemeral: false,
    });
    expect(reply.text).toContain('11:30 PM');
  });

  it('starts now for `now`, and lists planned and running windows in the chat time zone', async () => {
    const h = setup();
    await h.service.handle(set({ name: 'shop', start: 'now', duration: '30m' }));
    await h.service.handle(set({ name: 'Game server', start: '2021-03-20 08:00', duration: '1d' }));
    const reply = await h.service.handle(request('maintenance', { action: 'list' }));
    expect(reply.text).toBe(
      en.commands.maintenanceList({
        windows: [
          { name: 'shop', start: T0, end: T0 + 30 * 60_000 },
          {
            name: 'Game server',
            start: Date.parse('2021-03-20T02:00:00Z'),
            end: Date.parse('2021-03-21T02:00:00Z'),
          },
        ],
        now: T0,
        timeZone: DHAKA,
      }),
    );
    expect(reply.text).toContain('(running)');
    expect(reply.text).toContain('8:00 AM');
  });

  it('cancels a window, and says when there is none', async () => {
    const h = setup();
    await h.service.handle(set({ name: 'shop', start: 'now', duration: '1h' }));
    const cancelled = await h.service.handle(request('maintenance', { action: 'cancel', name: 'shop' }));
    expect(cancelled).toEqual({ text: en.commands.maintenanceCancelled({ name: 'shop' }), ephemeral: false });
    const none = await h.service.handle(request('maintenance', { action: 'cancel', name: 'shop' }));
    expect(none).toEqual({ text: en.commands.maintenanceNone({ name: 'shop' }), ephemeral: true });
  });

  it('answers a monitor the community does not have with the ones it has', async () => {
    const h = setup();
    const reply = await h.service.handle(set({ name: 'shp', start: 'now', duration: '1h' }));
    expect(reply).toEqual({
      text: en.commands.maintenanceUnknownMonitor({ given: 'shp', known: ['shop', 'Game server'] }),
      ephemeral: true,
    });
    expect(reply.text).toContain('shop, Game server');
  });

  it.each([
    [{ start: 'tomorrow', duration: '1h' }, en.commands.maintenanceBadStart({ given: 'tomorrow' })],
    [{ start: '25:00', duration: '1h' }, en.commands.maintenanceBadStart({ given: '25:00' })],
    [{ duration: '1h' }, en.commands.maintenanceBadStart({ given: null })],
    [
      { start: '2021-03-19 10:00', duration: '1h' },
      en.commands.maintenancePastStart({ given: '2021-03-19 10:00' }),
    ],
    [{ start: 'now', duration: '4m' }, en.commands.maintenanceBadDuration({ given: '4m' })],
    [{ start: 'now', duration: '8d' }, en.commands.maintenanceBadDuration({ given: '8d' })],
    [{ start: 'now', duration: 'soon' }, en.commands.maintenanceBadDuration({ given: 'soon' })],
    [{ start: 'now' }, en.commands.maintenanceBadDuration({ given: null })],
  ])('refuses %j, storing nothing', async (args, text) => {
    const h = setup();
    const reply = await h.service.handle(set({ name: 'shop', ...args }));
    expect(reply).toEqual({ text, ephemeral: true });
    expect(h.monitors.calls).toBe(0);
  });

  it.each(['5m', '7d'])('accepts %s (inside 5m..7d)', async (duration) => {
    const h = setup();
    const reply = await h.service.handle(set({ name: 'shop', start: 'now', duration }));
    expect(reply.ephemeral).toBe(false);
    expect(h.monitors.windows.size).toBe(1);
  });

  it('asks for the monitor, and shows its forms for an unknown action', async () => {
    const h = setup();
    expect((await h.service.handle(set({ start: 'now', duration: '1h' }))).text).toBe(
      en.commands.missingArgument({ command: '/maintenance', argument: 'name' }),
    );
    expect((await h.service.handle(request('maintenance', { action: 'move' }))).text).toBe(
      en.commands.maintenanceUsage(),
    );
  });

  it('is for admins: a member of a group is refused and nothing is asked of the port', async () => {
    const h = setup();
    const reply = await h.service.handle(
      request('maintenance', { action: 'set', name: 'shop', start: 'now', duration: '1h' }, { admin: false }),
    );
    expect(reply).toEqual({ text: en.commands.adminRequired(), ephemeral: true });
    expect(h.monitors.calls).toBe(0);
  });

  it('says custom monitors are not enabled without the port', async () => {
    const h = makeHarness();
    const reply = await h.service.handle(request('maintenance', { action: 'list' }));
    expect(reply).toEqual({ text: en.monitors.notEnabled(), ephemeral: true });
  });

  it("answers in the chat's language", async () => {
    const h = setup();
    h.store.updateSettings(CHAT, { locale: 'bn' }, T0);
    const reply = await h.service.handle(set({ name: 'shop', start: '25:00', duration: '1h' }));
    expect(reply.text).toBe(bn.commands.maintenanceBadStart({ given: '25:00' }));
  });

  it.each(LOCALES)('has every /maintenance text in %s', (locale) => {
    const m = messagesFor(locale);
    const texts = [
      m.commands.maintenanceUsage(),
      m.commands.maintenanceSet({ name: 'shop', start: T0, end: T0 + HOUR, timeZone: DHAKA }),
      m.commands.maintenanceList({ windows: [], now: T0, timeZone: DHAKA }),
      m.commands.maintenanceList({
        windows: [{ name: 'shop', start: T0, end: T0 + HOUR }],
        now: T0,
        timeZone: DHAKA,
      }),
      m.commands.maintenanceCancelled({ name: 'shop' }),
      m.commands.maintenanceNone({ name: 'shop' }),
      m.commands.maintenanceUnknownMonitor({ given: 'x', known: ['shop'] }),
      m.commands.maintenanceUnknownMonitor({ given: 'x', known: [] }),
      m.commands.maintenanceBadStart({ given: null }),
      m.commands.maintenanceBadStart({ given: 'x' }),
      m.commands.maintenancePastStart({ given: 'x' }),
      m.commands.maintenanceBadDuration({ given: null }),
      m.commands.maintenanceBadDuration({ given: 'x' }),
      m.commandMenu.maintenance,
      ...(m.commandHelp.maintenance ?? []),
      m.commandOptions.maintenanceSet,
      m.commandOptions.maintenanceMonitor,
      m.commandOptions.maintenanceStart,
      m.commandOptions.maintenanceDuration,
      m.commandOptions.maintenanceCancel,
      m.commandOptions.maintenanceList,
    ];
    for (const text of texts) expect(text?.trim()).toBeTruthy();
    expect(m.commandHelp.maintenance).toHaveLength(2);
  });
});
