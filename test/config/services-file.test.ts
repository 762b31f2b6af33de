import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/problems.js';
import {
  type MonitorConfig,
  cronIntervalMs,
  loadServicesFile,
  parseServices,
} from '../../src/config/services-file.js';
import type { HttpOptions } from '../../src/monitors/probes/http-options.js';

function problemsOf(text: string): readonly string[] {
  try {
    parseServices(text);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('services file', () => {
  it('loads the shipped default with every catalog service and the control targets', () => {
    const config = loadServicesFile('config/services.yaml');
    expect(config.services.length).toBeGreaterThanOrEqual(30);
    const ids = config.services.map((s) => s.id);
    for (const id of [
      'whatsapp',
      'instagram',
      'facebook',
      'messenger',
      'telegram',
      'discord',
      'youtube',
      'github',
    ]) {
      expect(ids).toContain(id);
    }
    expect(config.monitors.filter((m) => m.serviceId === null).length).toBeGreaterThanOrEqual(2);
    expect(config.services.find((s) => s.id === 'whatsapp')?.group).toBe('meta');
  });

  it('applies defaults and per-monitor overrides', () => {
    const config = parseServices(`
defaults: { every: 30s, timeout: 5s, confirm: { down: 3 } }
services:
  - id: site
    name: Our site
    monitors:
      - { type: http, url: "http://127.0.0.1:1/" }
      - { type: tcp, id: db, host: 127.0.0.1, port: 5432, every: 2s, confirm: { up: 1 } }
      - { type: dns, host: example.org, cron: "*/5 * * * *" }
`);
    const [http, tcp, dns] = config.monitors;
    expect(http).toMatchObject({
      id: 'site-0',
      intervalMs: 30_000,
      timeoutMs: 5000,
      confirm: { down: 3, up: 2 },
    });
    expect(tcp).toMatchObject({
      id: 'site-db',
      intervalMs: 2000,
      confirm: { down: 3, up: 1 },
      target: '127.0.0.1:5432',
    });
    expect(dns?.schedule).toEqual({ kind: 'cron', expression: '*/5 * * * *' });
    // The model counts a cron monitor's chances of a false alarm at its own cadence.
    expect(dns?.intervalMs).toBe(5 * 60_000);
    expect(config.services[0]).toMatchObject({
      id: 'site',
      crowd: true,
      monitorIds: ['site-0', 'site-db', 'site-2'],
    });
  });

  it('learns the failure count unless the file gives one (confirm.down: auto is the default)', () => {
    const config = parseServices(`
services:
  - id: site
    name: Our site
    monitors:
      - { type: http, url: "http://127.0.0.1:1/" }
      - { type: http, url: "http://127.0.0.1:2/", confirm: { down: 2 } }
      - { type: http, url: "http://127.0.0.1:3/", confirm: { up: 3 } }
      - { type: http, url: "http://127.0.0.1:4/", confirm: { down: auto, up: 1 } }
`);
    expect(config.monitors.map((m) => m.confirm)).toEqual([
      { down: 'auto', up: 2 },
      { down: 2, up: 2 },
      { down: 'auto', up: 3 },
      { down: 'auto', up: 1 },
    ]);
    const fixedDefault = parseServices(`
defaults: { confirm: { down: 2, up: 2 } }
services:
  - id: site
    name: Our site
    monitors:
      - { type: http, url: "http://127.0.0.1:1/" }
      - { type: http, url: "http://127.0.0.1:2/", confirm: { down: auto } }
`);
    expect(fixedDefault.monitors.map((m) => m.confirm)).toEqual([
      { down: 2, up: 2 },
      { down: 'auto', up: 2 },
    ]);
    const problems = problemsOf(`
services:
  - id: site
    name: Our site
    monitors:
      - { type: http, url: "http://127.0.0.1:1/", confirm: { down: sometimes } }
`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^services\[0\]\.monitors\[0\]\.confirm\.down: /);
  });

  it('gives monitors that keep a default one shared object instead of equal copies (10,000 monitors)', () => {
    const config = parseServices(`
defaults: { every: 30s, confirm: { down: 3 } }
services:
  - id: a
    name: A
    monitors:
      - { type: http, url: "http://127.0.0.1:1/" }
      - { type: http, url: "http://127.0.0.1:2/", every: 30s, expect: { status: "200-399" } }
      - { type: http, url: "http://127.0.0.1:3/", every: 10s, confirm: { up: 1 }, expect: { status: 200 } }
`);
    const [first, second, own] = config.monitors as [MonitorConfig, MonitorConfig, MonitorConfig];
    const statusOf = (m: MonitorConfig): unknown => (m.options as HttpOptions).expect.status;
    expect(second.schedule).toBe(first.schedule);
    expect(second.confirm).toBe(first.confirm);
    expect(statusOf(second)).toBe(statusOf(first));
    expect(first.confirm).toEqual({ down: 3, up: 2 });
    expect(statusOf(first)).toEqual([[200, 399]]);
    // Overrides get their own.
    expect(own.schedule).toEqual({ kind: 'every', ms: 10_000 });
    expect(own.confirm).toEqual({ down: 3, up: 1 });
    expect(statusOf(own)).toEqual([[200, 200]]);
  });
  it('shares equal schedules and equal plain option parts between monitors, never a compiled regex', () => {
    const config = parseServices(`
services:
  - id: a
    name: A
    monitors:
      - { type: http, url: "http://127.0.0.1:1/", every: 600s, headers: { x-k: v } }
      - { type: http, url: "http://127.0.0.1:2/", every: 600s, headers: { x-k: v } }
      - { type: http, url: "http://127.0.0.1:3/", every: 300s, headers: { x-k: w }, expect: { regex: "ok" } }
      - { type: http, url: "http://127.0.0.1:4/", every: 300s, expect: { regex: "ok" } }
`);
    const [a, b, c, d] = config.monitors as [MonitorConfig, MonitorConfig, MonitorConfig, MonitorConfig];
    const options = (m: MonitorConfig): HttpOptions => m.options as HttpOptions;
    expect(b.schedule).toBe(a.schedule);
    expect(d.schedule).toBe(c.schedule);
    expect(c.schedule).toEqual({ kind: 'every', ms: 300_000 });
    expect(options(b).headers).toBe(options(a).headers);
    expect(options(b).expect).toBe(options(a).expect);
    expect(options(c).headers).toEqual({ 'x-k': 'w' });
    // A compiled regex is no plain data: each monitor keeps its own.
    expect(options(d).expect).not.toBe(options(c).expect);
    expect(options(d).expect.regex).toBeInstanceOf(RegExp);
    expect(options(a).url).toBe('http://127.0.0.1:1/');
    expect(options(b).url).toBe('http://127.0.0.1:2/');
  });

  it('lists every problem of a bad file with its path, not just the first', () => {
    const problems = problemsOf(`
services:
  - id: a
    name: A
    monitors:
      - { type: http, url: "not a url" }
      - { type: carrier-pigeon, host: x }
      - { type: tcp, host: 127.0.0.1, port: 80, every: soon }
      - { type: tcp, host: 127.0.0.1, port: 80, cron: "every day" }
      - { type: http, url: "http://127.0.0.1/", colour: blue }
  - id: a
    name: Again A
    monitors: []
`);
    const text = problems.join('\n');
    expect(text).toMatch(/services\[0\]\.monitors\[0\]\.url: /);
    expect(text).toMatch(
      /services\[0\]\.monitors\[1\]\.type: unknown probe type "carrier-pigeon" \(known: http, tcp, dns, tls/,
    );
    expect(text).toMatch(/services\[0\]\.monitors\[2\]\.every: Invalid duration "soon"/);
    expect(text).toMatch(/services\[0\]\.monitors\[3\]\.cron: Invalid cron expression/);
    expect(text).toMatch(/services\[0\]\.monitors\[4\]: unknown key\(s\) "colour"/);
    expect(text).toMatch(/services\[1\]\.id: duplicate service id "a"/);
    expect(problems.length).toBeGreaterThanOrEqual(6);
  });

  it('takes who probes a service, owner (the default) or every vantage point, and carries it to its probe monitors', () => {
    const config = parseServices(`
control:
  - { type: tcp, host: 127.0.0.1, port: 53 }
services:
  - id: shop
    name: Shop
    vantages: all
    monitors:
      - { type: http, url: "http://127.0.0.1:1/" }
      - { type: statuspage, url: "http://127.0.0.1:2/api/v2/summary.json" }
  - id: blog
    name: Blog
    vantages: owner
    monitors:
      - { type: http, url: "http://127.0.0.1:3/" }
  - id: wiki
    name: Wiki
    monitors:
      - { type: http, url: "http://127.0.0.1:4/" }
`);
    expect(config.services.map((s) => s.vantages ?? 'owner')).toEqual(['all', 'owner', 'owner']);
    expect(Object.fromEntries(config.monitors.map((m) => [m.id, m.vantages ?? 'owner']))).toEqual({
      'control-0': 'owner',
      'shop-0': 'all',
      // An official feed says the same from anywhere: its owner alone reads it.
      'shop-1': 'owner',
      'blog-0': 'owner',
      'wiki-0': 'owner',
    });
    const problems = problemsOf(`
services:
  - id: a
    name: A
    vantages: everywhere
    monitors:
      - { type: http, url: "http://127.0.0.1:1/" }
  - id: b
    name: B
    vantages: [all]
    quorum: 0
    monitors:
      - { type: http, url: "http://127.0.0.1:1/" }
`);
    expect(problems).toHaveLength(3);
    expect(problems.find((p) => p.startsWith('services[0].vantages: '))).toMatch(/"owner"\|"all"/);
    expect(problems.filter((p) => p.startsWith('services[1].vantages: '))).toHaveLength(1);
    expect(problems.filter((p) => p.startsWith('services[1].quorum: '))).toHaveLength(1);
  });

  it('rejects unknown top-level keys, bad ids and YAML syntax errors with their location', () => {
    expect(problemsOf('servcies: []\n').join('\n')).toMatch(/unknown key\(s\) "servcies"/);
    expect(problemsOf('services:\n  - { id: "Bad Id", name: x, monitors: [] }\n').join('\n')).toMatch(
      /services\[0\]\.id: must be lowercase/,
    );
    expect(
      problemsOf('services:\n  - { id: a, name: b, monitors: [] }\n  - id: c\n    name: d: e\n').join('\n'),
    ).toMatch(/^YAML line 4: Nested mappings/);
  });

  it('keeps chat- ids for monitors added from chat', () => {
    const tcp = 'type: tcp, host: 127.0.0.1, port: 80';
    expect(problemsOf(`services:\n  - { id: chat-1, name: x, monitors: [ { ${tcp} } ] }\n`)).toEqual([
      'services[0].id: must not start with "chat-" (reserved for monitors added from chat)',
    ]);
    expect(problemsOf(`services:\n  - { id: a, name: x, monitors: [ { id: chat-1-0, ${tcp} } ] }\n`)).toEqual(
      ['services[0].monitors[0].id: must not start with "chat-" (reserved for monitors added from chat)'],
    );
  });

  it('refuses intervals under one second and monitors that give both every and cron', () => {
    const problems = problemsOf(`
services:
  - id: a
    name: A
    monitors:
      - { type: tcp, host: 127.0.0.1, port: 80, every: 200ms }
      - { type: tcp, host: 127.0.0.1, port: 81, every: 5s, cron: "* * * * *" }
`).join('\n');
    expect(problems).toMatch(/monitors\[0\]\.every: must be at least 1s/);
    expect(problems).toMatch(/monitors\[1\]: give either every or cron, not both/);
  });

  it('takes reuse on http monitors only, saying so among the other problems', () => {
    const config = parseServices(
      'services:\n  - { id: a, name: A, monitors: [ { type: http, url: "https://example.com/", reuse: true } ] }\n',
    );
    expect((config.monitors[0]?.options as HttpOptions).reuse).toBe(true);
    const problems = problemsOf(`
services:
  - id: a
    name: A
    monitors:
      - { type: tcp, host: 127.0.0.1, port: 80, reuse: true }
      - { type: tls, host: example.com, reuse: false, warnDays: -1 }
      - { type: http, url: "https://example.com/", reuse: yes-please }
`);
    expect(problems).toContain(
      'services[0].monitors[0].reuse: reuse (a kept-alive connection) is only for http monitors, not tcp',
    );
    expect(problems).toContain(
      'services[0].monitors[1].reuse: reuse (a kept-alive connection) is only for http monitors, not tls',
    );
    expect(problems.some((p) => p.startsWith('services[0].monitors[1].warnDays: '))).toBe(true);
    expect(problems.some((p) => p.startsWith('services[0].monitors[2].reuse: '))).toBe(true);
    expect(problems.join('\n')).not.toMatch(/unknown key/);
  });

  it('reports an unreadable file without throwing anything else', () => {
    expect(() => loadServicesFile('/nonexistent/services.yaml')).toThrow(ConfigError);
  });
});

describe('cronIntervalMs', () => {
  it('takes the smallest gap between the next firings of the expression', () => {
    expect(cronIntervalMs('* * * * *')).toBe(60_000);
    expect(cronIntervalMs('*/10 * * * * *')).toBe(10_000);
    expect(cronIntervalMs('0 */2 * * *')).toBe(2 * 3_600_000);
    // Every 15 minutes during working hours: 15 minutes, not the night's gap.
    expect(cronIntervalMs('*/15 9-17 * * *')).toBe(15 * 60_000);
  });
});
