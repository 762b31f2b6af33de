import { describe, expect, it } from 'vitest';
import { parseCommandText } from '../../../src/core/commands/command-parser.js';
import type {
  MonitorAddOutcome,
  MonitorCaller,
  MonitorCommandPort,
  MonitorListOutcome,
  MonitorRemoveOutcome,
  MonitorScope,
  WatchedService,
} from '../../../src/core/commands/ports.js';
import { messagesFor } from '../../../src/core/i18n/index.js';
import { describeSsrfRefusal } from '../../../src/core/i18n/ssrf-messages.js';
import { capabilitiesOf, makeHarness, request, SERVICES, T0, type RequestOptions } from './harness.js';

const en = messagesFor('en');
const bn = messagesFor('bn');

/** The community of a scope, as `ownerKeyOf` keys it: the Discord guild, else the chat. */
const ownerOf = (s: MonitorScope): string =>
  s.platform === 'discord' && s.guildId != null ? `discord:guild:${s.guildId}` : `${s.platform}:${s.chatId}`;

/** An in-memory port: names unique per community, `169.254.169.254` refused, `next` outcome overrides. */
class FakeMonitors implements MonitorCommandPort {
  readonly calls: { action: string; caller: MonitorCaller | MonitorScope; input?: unknown }[] = [];
  private readonly owned = new Map<
    string,
    { id: string; name: string; target: string; intervalMs: number }[]
  >();
  private nextId = 1;
  next: MonitorAddOutcome | null = null;

  add(
    caller: MonitorCaller,
    input: { readonly name: string; readonly target: string; readonly intervalMs?: number },
  ): Promise<MonitorAddOutcome> {
    this.calls.push({ action: 'add', caller, input });
    if (this.next) return Promise.resolve(this.next);
    if (input.target.includes('169.254.169.254'))
      return Promise.resolve({ kind: 'refused', reason: 'cloud-metadata' });
    const list = this.owned.get(ownerOf(caller)) ?? [];
    if (list.some((m) => m.name.toLowerCase() === input.name.toLowerCase()))
      return Promise.resolve({ kind: 'name-taken', name: input.name });
    const monitor = {
      id: `chat-${this.nextId++}`,
      name: input.name,
      target: input.target,
      intervalMs: input.intervalMs ?? 60_000,
    };
    this.owned.set(ownerOf(caller), [...list, monitor]);
    return Promise.resolve({ kind: 'added', monitor, serviceId: monitor.id });
  }

  remove(caller: MonitorCaller, name: string): MonitorRemoveOutcome {
    this.calls.push({ action: 'remove', caller, input: name });
    const list = this.owned.get(ownerOf(caller)) ?? [];
    const found = list.find((m) => m.name.toLowerCase() === name.toLowerCase());
    if (!found) return { kind: 'not-found', name };
    this.owned.set(
      ownerOf(caller),
      list.filter((m) => m !== found),
    );
    return { kind: 'removed', monitor: found };
  }

  list(scope: MonitorScope): MonitorListOutcome {
    this.calls.push({ action: 'list', caller: scope });
    return {
      monitors: this.owned.get(ownerOf(scope)) ?? [],
      limit: 20,
      audit: [{ name: 'site', action: 'add', actor: '424242', at: T0 }],
    };
  }

  servicesOf(scope: MonitorScope): readonly WatchedService[] {
    return (this.owned.get(ownerOf(scope)) ?? []).map((m) => ({ id: m.id, name: m.name }));
  }

  serviceIds(): readonly string[] {
    return [...this.owned.values()].flat().map((m) => m.id);
  }
}

function setup() {
  const monitors = new FakeMonitors();
  const h = makeHarness({}, SERVICES, { monitors });
  return { ...h, monitors };
}

const GROUP_A: RequestOptions = { chatId: '-100111' };
const GROUP_B: RequestOptions = { chatId: '-100222' };

describe('/monitor routing', () => {
  it('says custom monitors are not enabled when there is no port, in the chat language', async () => {
    const h = makeHarness();
    const reply = await h.service.handle(request('monitor', { action: 'list' }));
    expect(reply).toEqual({ text: en.monitors.notEnabled(), ephemeral: true });
    const bnReply = await h.service.handle(
      request('monitor', { action: 'list' }, { kind: 'private', localeHint: 'bn' }),
    );
    expect(bnReply.text).toBe(bn.monitors.notEnabled());
    const adminCalls = { count: 0 };
    const member = await h.service.handle(
      request('monitor', { action: 'list' }, { admin: false, adminCalls }),
    );
    expect(member.text).toBe(en.monitors.notEnabled());
    expect(adminCalls.count).toBe(0);
  });

  it.each([
    ['a Telegram group', { admin: false } as RequestOptions],
    ['a Discord channel', { platform: 'discord', kind: 'channel', admin: false } as RequestOptions],
  ])('refuses a member of %s, asking isAdmin once and calling no port', async (_where, o) => {
    const h = setup();
    const adminCalls = { count: 0 };
    const reply = await h.service.handle(
      request(
        'monitor',
        { action: 'add', name: 'site', target: 'https://example.org/' },
        { ...o, adminCalls },
      ),
    );
    expect(reply).toEqual({ text: en.commands.adminRequired(), ephemeral: true });
    expect(adminCalls.count).toBe(1);
    expect(h.monitors.calls).toEqual([]);
  });

  it('lets the user of a private chat manage monitors without asking isAdmin', async () => {
    const h = setup();
    const adminCalls = { count: 0 };
    const reply = await h.service.handle(
      request('monitor', { action: 'list' }, { kind: 'private', admin: false, adminCalls }),
    );
    expect(adminCalls.count).toBe(0);
    expect(reply.text.split('\n')[0]).toBe('Monitors (0/20):');
  });

  it.each([{}, { action: 'frobnicate' }])(
    'answers %j with the usage, in English and Bengali',
    async (args) => {
      const h = setup();
      expect(await h.service.handle(request('monitor', args))).toEqual({
        text: en.monitors.usage(),
        ephemeral: true,
      });
      h.store.updateSettings({ platform: 'telegram', chatId: '-100777' }, { locale: 'bn' }, T0);
      expect((await h.service.handle(request('monitor', args))).text).toBe(bn.monitors.usage());
      expect(bn.monitors.usage()).toContain('/monitor add <name> <target> [every]');
      expect(h.monitors.calls).toEqual([]);
    },
  );

  it('passes the caller, name, target and the parsed interval to the port', async () => {
    const h = setup();
    const reply = await h.service.handle(
      request(
        'monitor',
        { action: 'ADD', name: 'site', target: 'https://site.example.org/', every: '5m' },
        { platform: 'discord', kind: 'channel', userId: '99' },
      ),
    );
    expect(h.monitors.calls).toEqual([
      {
        action: 'add',
        caller: {
          platform: 'discord',
          chatId: '800000000000000001',
          guildId: '700000000000000001',
          userId: '99',
        },
        input: { name: 'site', target: 'https://site.example.org/', intervalMs: 300_000 },
      },
    ]);
    expect(reply).toEqual({
      text: 'Added “site”: https://site.example.org/, checked every 5 minutes. This chat gets its alerts.',
      ephemeral: false,
    });
  });

  it('leaves the interval to the port when `every` is absent', async () => {
    const h = setup();
    await h.service.handle(
      request('monitor', { action: 'add', name: 'site', target: 'db.example.org:5432' }),
    );
    expect(h.monitors.calls[0]?.input).toEqual({ name: 'site', target: 'db.example.org:5432' });
  });

  it.each([
    [
      { action: 'add', target: 'https://x.example/' },
      en.commands.missingArgument({ command: '/monitor', argument: 'name' }),
    ],
    [{ action: 'add', name: 'x' }, en.commands.missingArgument({ command: '/monitor', argument: 'target' })],
    [{ action: 'remove' }, en.commands.missingArgument({ command: '/monitor', argument: 'name' })],
    [
      { action: 'add', name: 'x', target: 'https://x.example/', every: 'soon' },
      en.monitors.invalidInterval({ given: 'soon' }),
    ],
  ])('refuses %j before calling the port', async (args, text) => {
    const h = setup();
    expect(await h.service.handle(request('monitor', args))).toEqual({ text, ephemeral: true });
    expect(h.monitors.calls).toEqual([]);
  });

  it('says why the cloud metadata address is refused, privately', async () => {
    const h = setup();
    const reply = await h.service.handle(
      request('monitor', { action: 'add', name: 'x', target: 'http://169.254.169.254/' }),
    );
    expect(reply).toEqual({
      text: `This target cannot be added. ${describeSsrfRefusal('en', 'cloud-metadata')}`,
      ephemeral: true,
    });
  });

  it.each([
    [{ kind: 'invalid-name' }, en.monitors.invalidName()],
    [{ kind: 'name-taken', name: 'site' }, 'There is already a monitor called “site”.'],
    [{ kind: 'limit-reached', limit: 20 }, en.monitors.limitReached({ limit: 20 })],
    [{ kind: 'interval-too-short', minIntervalMs: 60_000 }, 'Checks can run at most every 1 minute.'],
  ] as [MonitorAddOutcome, string][])('renders the %j refusal', async (outcome, text) => {
    const h = setup();
    h.monitors.next = outcome;
    const reply = await h.service.handle(
      request('monitor', { action: 'add', name: 'site', target: 'https://x.example/' }),
    );
    expect(reply).toEqual({ text, ephemeral: true });
  });

  it('removes by name and lists with the audit trail', async () => {
    const h = setup();
    await h.service.handle(request('monitor', { action: 'add', name: 'site', target: 'https://s.example/' }));
    const listed = await h.service.handle(request('monitor', { action: 'list' }));
    expect(listed.text).toBe(
      [
        'Monitors (1/20):',
        '• site: https://s.example/ (every 1 minute)',
        '',
        'Recent changes:',
        'Mar 19, 5:15 PM: 424242 added “site”',
      ].join('\n'),
    );
    expect(await h.service.handle(request('monitor', { action: 'remove', name: 'SITE' }))).toEqual({
      text: 'Removed “site”.',
      ephemeral: false,
    });
    expect(await h.service.handle(request('monitor', { action: 'remove', name: 'site' }))).toEqual({
      text: 'There is no monitor called “site”.',
      ephemeral: true,
    });
  });

  it('answers internalError, with the cause, when the port throws', async () => {
    const h = setup();
    const boom = new Error('database is locked');
    h.monitors.list = () => {
      throw boom;
    };
    const reply = await h.service.handle(request('monitor', { action: 'list' }));
    expect(reply).toEqual({ text: en.commands.internalError(), ephemeral: true, error: boom });
  });

  it('lists /monitor in /help in English and Bengali', async () => {
    const h = setup();
    expect((await h.service.handle(request('help'))).text).toContain('/monitor add <name> <target> [every]');
    expect(bn.commands.help({ withStart: true })).toContain('/monitor add <name> <target> [every]');
    expect(bn.commands.help({ withStart: true })).toContain('/monitor remove <name> | /monitor list');
  });
});

describe('chat services are visible only to their community', () => {
  async function withSite() {
    const h = setup();
    await h.service.handle(
      request('monitor', { action: 'add', name: 'My Shop', target: 'https://s.example/' }, GROUP_A),
    );
    h.states.set('chat-1', { status: 'down', since: T0 - 60_000, evidence: [] });
    return h;
  }

  it('shows the community its service in /services, /status and /status <name>', async () => {
    const h = await withSite();
    expect((await h.service.handle(request('services', {}, GROUP_A))).text).toContain('• My Shop (chat-1)');
    const overview = await h.service.handle(request('status', {}, GROUP_A));
    expect(overview.text.split('\n')[0]).toMatch(/^• My Shop: down since /);
    const detail = await h.service.handle(request('status', { service: 'my shop' }, GROUP_A));
    expect(detail.chartServiceId).toBe('chat-1');
    expect(detail.text).toMatch(/^My Shop: down since /);
  });

  it('hides it from another community everywhere', async () => {
    const h = await withSite();
    expect((await h.service.handle(request('services', {}, GROUP_B))).text).not.toContain('My Shop');
    expect((await h.service.handle(request('status', {}, GROUP_B))).text).not.toContain('My Shop');
    const detail = await h.service.handle(request('status', { service: 'My Shop' }, GROUP_B));
    expect(detail.text).toMatch(/^I don't know the service "My Shop"/);
    const byId = await h.service.handle(request('subscribe', { service: 'chat-1' }, GROUP_B));
    expect(byId.text).toMatch(/^I don't know the service "chat-1"/);
    expect(h.service.autocomplete('my', 25, { platform: 'telegram', chatId: '-100222' })).toEqual([]);
  });

  it('filters /incidents to what the community can see', async () => {
    const h = await withSite();
    h.incidents.rows = [
      { serviceId: 'chat-1', severity: 'major', startedAt: T0, resolvedAt: null },
      { serviceId: 'github', severity: 'minor', startedAt: T0 - 1, resolvedAt: null },
    ];
    expect((await h.service.handle(request('incidents', {}, GROUP_A))).text).toContain('My Shop');
    const other = await h.service.handle(request('incidents', {}, GROUP_B));
    expect(other.text).not.toContain('My Shop');
    expect(other.text).not.toContain('chat-1');
    expect(other.text).toContain('GitHub');
  });

  it('autocompletes it for its community only, and for no one without a scope', () => {
    return withSite().then((h) => {
      const scopeA = {
        platform: 'telegram',
        chatId: '-100111',
        guildId: null,
        capabilities: capabilitiesOf('telegram'),
      };
      expect(h.service.autocomplete('shop', 25, scopeA)).toEqual([{ id: 'chat-1', name: 'My Shop' }]);
      expect(h.service.autocomplete('shop', 25)).toEqual([]);
      expect(h.service.autocomplete('', 25, scopeA).at(-1)).toEqual({ id: 'chat-1', name: 'My Shop' });
      // A platform whose chats cannot add monitors, and a scope that names no capabilities.
      const noMonitors = { ...capabilitiesOf('telegram'), chatMonitors: false };
      expect(h.service.autocomplete('shop', 25, { ...scopeA, capabilities: noMonitors })).toEqual([]);
      expect(h.service.autocomplete('shop', 25, { platform: 'telegram', chatId: '-100111' })).toEqual([]);
    });
  });

  it('shares a Discord guild’s service between its channels, not with another guild', async () => {
    const h = setup();
    await h.service.handle(
      request(
        'monitor',
        { action: 'add', name: 'api', target: 'api.example.org:443' },
        { platform: 'discord', kind: 'channel' },
      ),
    );
    const sameGuild = {
      platform: 'discord',
      chatId: '800000000000000002',
      guildId: '700000000000000001',
      capabilities: capabilitiesOf('discord'),
    } as const;
    const otherGuild = {
      platform: 'discord',
      chatId: '800000000000000003',
      guildId: '700000000000000009',
      capabilities: capabilitiesOf('discord'),
    } as const;
    expect(h.service.autocomplete('api', 25, sameGuild)).toEqual([{ id: 'chat-1', name: 'api' }]);
    expect(h.service.autocomplete('api', 25, otherGuild)).toEqual([]);
    expect(
      (
        await h.service.handle(
          request('services', {}, { platform: 'discord', kind: 'channel', guildId: '700000000000000009' }),
        )
      ).text,
    ).not.toContain('api');
  });

  it('keeps chat service ids in serviceIds so alert buttons parse', async () => {
    const h = await withSite();
    expect(h.service.serviceIds()).toEqual([...SERVICES.map((s) => s.id), 'chat-1']);
  });
});

describe('parseCommandText /monitor', () => {
  it.each([
    ['/monitor', {}],
    ['/monitor list', { action: 'list' }],
    ['/monitor LIST', { action: 'list' }],
    ['/monitor frobnicate now', { action: 'frobnicate', name: 'now' }],
    ['/monitor remove my shop', { action: 'remove', name: 'my shop' }],
    ['/monitor add site https://s.example/', { action: 'add', name: 'site', target: 'https://s.example/' }],
    [
      '/monitor add site https://s.example/ 5m',
      { action: 'add', name: 'site', target: 'https://s.example/', every: '5m' },
    ],
    [
      '/monitor add "my shop" https://s.example/ Welcome back 1h',
      { action: 'add', name: 'my shop', target: 'https://s.example/ Welcome back', every: '1h' },
    ],
    [
      '/monitor add db db.example.org:5432 60s',
      { action: 'add', name: 'db', target: 'db.example.org:5432', every: '60s' },
    ],
    ['/monitor add site 5m', { action: 'add', name: 'site', target: '5m' }],
    // An interval in Bengali or Hindi digits is one too.
    [
      '/monitor add site https://s.example/ ৫m',
      { action: 'add', name: 'site', target: 'https://s.example/', every: '৫m' },
    ],
    ['/monitor add', { action: 'add' }],
  ])('%s', (text, args) => {
    expect(parseCommandText(text)).toEqual({ command: 'monitor', args, addressed: false });
  });
});
