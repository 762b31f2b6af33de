import { describe, expect, it } from 'vitest';
import type {
  MonitorAddOutcome,
  MonitorCaller,
  MonitorCommandPort,
  MonitorListOutcome,
  MonitorRemoveOutcome,
  WatchAddOutcome,
  WatchCommandPort,
  WatchedService,
} from '../../../src/core/commands/ports.js';
import { parseCommandText } from '../../../src/core/commands/command-parser.js';
import {
  MAX_KNOWN_COMPONENTS_SHOWN,
  splitComponents,
} from '../../../src/core/commands/definitions/watch-command.js';
import { messagesFor } from '../../../src/core/i18n/index.js';
import { describeSsrfRefusal } from '../../../src/core/i18n/ssrf-messages.js';
import { makeHarness, request, SERVICES, T0 } from './harness.js';

const en = messagesFor('en');
const bn = messagesFor('bn');

/** A port whose `watch` answers `next` and records what it was asked. */
class FakeWatch implements MonitorCommandPort, WatchCommandPort {
  readonly calls: { caller: MonitorCaller; input: { url: string; components: readonly string[] } }[] = [];
  next: WatchAddOutcome = {
    kind: 'added',
    monitor: {
      name: 'githubstatus.com',
      target: 'https://www.githubstatus.com/api/v2/summary.json',
      intervalMs: 60_000,
    },
    serviceId: 'chat-1',
  };

  watch(
    caller: MonitorCaller,
    input: { url: string; components: readonly string[] },
  ): Promise<WatchAddOutcome> {
    this.calls.push({ caller, input });
    return Promise.resolve(this.next);
  }
  add(): Promise<MonitorAddOutcome> {
    return Promise.resolve({ kind: 'invalid-name' });
  }
  remove(_caller: MonitorCaller, name: string): MonitorRemoveOutcome {
    return { kind: 'not-found', name };
  }
  list(): MonitorListOutcome {
    return { monitors: [], limit: 20, audit: [] };
  }
  servicesOf(): readonly WatchedService[] {
    return [];
  }
  serviceIds(): readonly string[] {
    return [];
  }
}

function setup() {
  const watch = new FakeWatch();
  return { ...makeHarness({}, SERVICES, { monitors: watch }), watch };
}

describe('/watch', () => {
  it('says it is not enabled without a port, asking nobody whether they are admin', async () => {
    const h = makeHarness();
    const adminCalls = { count: 0 };
    const reply = await h.service.handle(
      request('watch', { url: 'https://www.githubstatus.com/' }, { admin: false, adminCalls }),
    );
    expect(reply).toEqual({ text: en.monitors.notEnabled(), ephemeral: true });
    expect(adminCalls.count).toBe(0);
  });

  it('refuses a member who is not admin, calling no port', async () => {
    const h = setup();
    const reply = await h.service.handle(
      request('watch', { url: 'https://www.githubstatus.com/' }, { admin: false }),
    );
    expect(reply).toEqual({ text: en.commands.adminRequired(), ephemeral: true });
    expect(h.watch.calls).toEqual([]);
  });

  it('answers the usage without a URL', async () => {
    const h = setup();
    expect(await h.service.handle(request('watch', {}))).toEqual({
      text: en.monitors.watchUsage(),
      ephemeral: true,
    });
    expect(h.watch.calls).toEqual([]);
  });

  it('passes the URL and the comma-separated components, and tells the chat what it watches', async () => {
    const h = setup();
    h.watch.next = {
      kind: 'added',
      monitor: {
        name: 'githubstatus.com',
        target: 'https://www.githubstatus.com/api/v2/summary.json',
        intervalMs: 60_000,
        components: ['Git Operations', 'API Requests'],
      },
      serviceId: 'chat-1',
    };
    const reply = await h.service.handle(
      request('watch', {
        url: ' https://www.githubstatus.com/ ',
        components: 'git operations, ,API requests',
      }),
    );
    expect(h.watch.calls).toEqual([
      {
        caller: { platform: 'telegram', chatId: '-100777', guildId: null, userId: '424242' },
        input: { url: 'https://www.githubstatus.com/', components: ['git operations', 'API requests'] },
      },
    ]);
    expect(reply.ephemeral).toBe(false);
    expect(reply.text).toContain('Git Operations, API Requests');
    expect(reply.text).toContain('/monitor remove githubstatus.com');
  });

  it('says what was found instead of a status feed, in the chat language', async () => {
    const h = setup();
    h.watch.next = { kind: 'not-status-page', found: { kind: 'html' } };
    const reply = await h.service.handle(request('watch', { url: 'https://example.org/' }));
    expect(reply).toEqual({ text: en.monitors.notStatusPage({ found: { kind: 'html' } }), ephemeral: true });
    expect(reply.text).toContain('HTML page');
    expect(reply.text).toContain('/api/v2/summary.json');
    h.store.updateSettings({ platform: 'telegram', chatId: '-100777' }, { locale: 'bn' }, T0);
    const bnReply = await h.service.handle(request('watch', { url: 'https://example.org/' }));
    expect(bnReply.text).toBe(bn.monitors.notStatusPage({ found: { kind: 'html' } }));
  });

  it('answers unknown components with the known ones, cut to a few', async () => {
    const h = setup();
    const known = Array.from({ length: MAX_KNOWN_COMPONENTS_SHOWN + 5 }, (_, i) => `Component ${i + 1}`);
    h.watch.next = { kind: 'unknown-components', unknown: ['Gits'], known };
    const reply = await h.service.handle(request('watch', { url: 'https://x.example/', components: 'Gits' }));
    expect(reply.ephemeral).toBe(true);
    expect(reply.text).toContain('“Gits”');
    expect(reply.text).toContain(`Component ${MAX_KNOWN_COMPONENTS_SHOWN} and 5 more.`);
    expect(reply.text).not.toContain(`Component ${MAX_KNOWN_COMPONENTS_SHOWN + 1}`);
  });

  it('cuts the known components to fit a Discord message, counting the rest', async () => {
    const h = setup();
    const known = Array.from({ length: 30 }, (_, i) => `${'Very long component name '.repeat(2)}${i + 1}`);
    h.watch.next = { kind: 'unknown-components', unknown: ['Gits'], known };
    const reply = await h.service.handle(request('watch', { url: 'https://x.example/', components: 'Gits' }));
    expect(reply.text.length).toBeLessThan(2000);
    const listed = known.filter(
      (name) => reply.text.includes(`${name},`) || reply.text.includes(`${name} and`),
    );
    expect(listed.length).toBeGreaterThan(0);
    expect(reply.text).toContain(`and ${known.length - listed.length} more.`);
  });

  it('renders the guard refusal and the limit like /monitor add', async () => {
    const h = setup();
    h.watch.next = { kind: 'refused', reason: 'private' };
    const refused = await h.service.handle(request('watch', { url: 'http://10.0.0.1/' }));
    expect(refused.text).toBe(en.monitors.refused({ reason: describeSsrfRefusal('en', 'private') }));
    h.watch.next = { kind: 'limit-reached', limit: 3 };
    const full = await h.service.handle(request('watch', { url: 'https://x.example/' }));
    expect(full.text).toBe(en.monitors.limitReached({ limit: 3 }));
  });

  it("reads Telegram's words: the URL, then the components", () => {
    const parsed = parseCommandText('/watch https://status.example.com/ Git Operations, API');
    expect(parsed).toMatchObject({
      command: 'watch',
      args: { url: 'https://status.example.com/', components: 'Git Operations, API' },
    });
    expect(splitComponents(' a ,, b ')).toEqual(['a', 'b']);
  });
});

describe('/services <text>', () => {
  it('lists the services whose name, id or alias contains the text', async () => {
    const h = makeHarness({}, [
      { id: 'github', name: 'GitHub', aliases: ['gh'] },
      { id: 'gitlab', name: 'GitLab' },
      { id: 'whatsapp', name: 'WhatsApp', aliases: ['wa'] },
    ]);
    const reply = await h.service.handle(request('services', { search: 'git' }));
    expect(reply.text).toBe(
      en.commands.servicesMatching({
        given: 'git',
        services: [
          { id: 'github', name: 'GitHub' },
          { id: 'gitlab', name: 'GitLab' },
        ],
      }),
    );
    const byAlias = await h.service.handle(request('services', { search: 'WA' }));
    expect(byAlias.text).toContain('WhatsApp (whatsapp)');
    expect(byAlias.text).not.toContain('GitHub');
  });

  it('says when nothing matches, and lists everything without a text', async () => {
    const h = makeHarness({}, [{ id: 'github', name: 'GitHub' }]);
    const none = await h.service.handle(request('services', { search: 'zzzzzz' }));
    expect(none.text).toBe(en.commands.servicesMatching({ given: 'zzzzzz', services: [] }));
    const all = await h.service.handle(request('services'));
    expect(all.text).toBe(en.commands.services({ services: [{ id: 'github', name: 'GitHub' }] }));
  });
});

describe("/watch's components autocomplete (CommandService.completeComponents)", () => {
  /** A port that lists `names` for any URL, or rejects; records what it was asked. */
  class PagePort extends FakeWatch {
    readonly asked: [string, number][] = [];
    names: readonly string[] | Error = ['Git Operations', 'API Requests', 'Webhooks'];
    pageComponents(url: string, waitMs: number): Promise<readonly string[]> {
      this.asked.push([url, waitMs]);
      return this.names instanceof Error ? Promise.reject(this.names) : Promise.resolve(this.names);
    }
  }

  it('reads the page in url through the port and completes the last typed name', async () => {
    const port = new PagePort();
    const h = makeHarness({}, SERVICES, { monitors: port });
    expect(
      await h.service.completeComponents(' https://www.githubstatus.com/ ', 'webhooks, g', 2_000),
    ).toEqual([{ name: 'Webhooks, Git Operations', value: 'Webhooks, Git Operations' }]);
    expect(port.asked).toEqual([['https://www.githubstatus.com/', 2_000]]);
  });

  it('offers nothing without a URL, without the port, or when the port fails', async () => {
    const port = new PagePort();
    const h = makeHarness({}, SERVICES, { monitors: port });
    expect(await h.service.completeComponents('  ', '', 2_000)).toEqual([]);
    expect(port.asked).toEqual([]);
    expect(await makeHarness().service.completeComponents('https://a.example/', '', 2_000)).toEqual([]);
    port.names = new Error('read failed');
    expect(await h.service.completeComponents('https://a.example/', '', 2_000)).toEqual([]);
  });
});
