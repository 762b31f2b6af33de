import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/problems.js';
import { parseReplayArgs, replayToConsole } from '../../src/demo/replay-cli.js';
import { runReplay } from '../../src/demo/replay.js';
import { summarize } from '../../src/demo/summary.js';
import {
  FOUNDING_SCENARIO,
  fillPlaceholders,
  loadScenario,
  parseScenario,
  planReports,
  standInStates,
} from '../../src/demo/scenario.js';
import { tempDir } from '../helpers/temp-dir.js';

const SERVICES_YAML = `defaults: { every: 60s }
services:
  - id: site
    name: Site
    monitors: [{ type: http, url: '{{url:site-web}}' }]
  - id: other
    name: Other
    crowd: false
    monitors: [{ type: dns, host: other.example, resolver: '{{resolver}}' }]
`;

/** A small valid scenario; tests break parts of it. */
function validScenario(): Record<string, unknown> {
  return {
    title: 'A small outage',
    sources: ['https://example.com/post-mortem'],
    note: 'Times are approximate.',
    from: '2024-01-15T10:00:00Z',
    to: '2024-01-15T11:00:00Z',
    services: { yaml: SERVICES_YAML },
    chats: [
      { id: 'ops', platform: 'telegram', locale: 'bn', timeZone: 'Asia/Dhaka', subscribe: ['*'] },
      { id: 'community', platform: 'discord', timeZone: 'Europe/London' },
    ],
    standIns: {
      'site-web': {
        type: 'http',
        timeline: [
          { at: '2024-01-15T10:10:00Z', state: { status: 503 } },
          { at: '2024-01-15T10:20:00Z', state: 'ok' },
        ],
      },
      'other-dns': { type: 'dns', name: 'other.example' },
    },
    trouble: { site: [{ from: '2024-01-15T10:10:00Z', to: '2024-01-15T10:20:00Z' }] },
    reports: [
      {
        service: 'site',
        chats: ['ops', 'community'],
        from: '2024-01-15T10:10:00Z',
        reporters: [3, 2],
        texts: ['down'],
      },
    ],
  };
}

/** The problems `parseScenario` lists for `scenario`, or [] when it is valid. */
function problemsOf(scenario: unknown, source = '/nowhere/scenario.json'): readonly string[] {
  try {
    parseScenario(JSON.stringify(scenario), source);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('the scenario format', () => {
  it('accepts the small scenario and the shipped founding outage', () => {
    expect(problemsOf(validScenario())).toEqual([]);
    const founding = loadScenario(FOUNDING_SCENARIO);
    expect(founding.chats.filter((chat) => chat.subscribe.length > 0).map((chat) => chat.id)).toEqual([
      'kolkata-en',
      'kolkata-bn',
    ]);
  });

  it('lists every problem of the structure at once, each with its path', () => {
    const scenario = validScenario();
    scenario['from'] = '15 January 2024 10:00';
    scenario['chats'] = [
      { id: 'Ops Room', platform: 'whatsapp', locale: 'fr', timeZone: 'Mars/Olympus', subscribe: ['*'] },
    ];
    scenario['standIns'] = {
      'site-web': { type: 'http', timeline: [{ at: '2024-01-15T10:10:00Z', state: 'on fire' }] },
      'other-dns': { type: 'ftp' },
    };
    scenario['extra'] = true;
    const problems = problemsOf(scenario);
    const expected = [
      /^from: must be an ISO 8601 time/,
      /^chats\[0\]\.id: must be lowercase/,
      /^chats\[0\]\.platform: /,
      /^chats\[0\]\.locale: /,
      /^chats\[0\]\.timeZone: unknown time zone/,
      /^standIns\.site-web\.timeline\[0\]\.state: /,
      /^standIns\.other-dns\.type: /,
      /unknown key\(s\) "extra"/,
    ];
    for (const pattern of expected)
      expect(
        problems.some((p) => pattern.test(p)),
        String(pattern),
      ).toBe(true);
    expect(problems.length).toBeGreaterThanOrEqual(expected.length);
  });

  it('lists every problem of times and references at once', () => {
    const scenario = validScenario();
    scenario['standIns'] = {
      'site-web': {
        type: 'http',
        timeline: [
          { at: '2024-01-15T10:20:00Z', state: 'stall' },
          { at: '2024-01-15T10:10:00Z', state: 'ok' },
          { at: '2024-01-15T12:00:00Z', state: 'reset' },
        ],
      },
      'other-dns': { type: 'dns', name: 'other.example' },
      'same-name': { type: 'dns', name: 'OTHER.example' },
      'Web Site': { type: 'http' },
    };
    scenario['trouble'] = {
      site: [
        { from: '2024-01-15T10:10:00Z', to: '2024-01-15T10:30:00Z' },
        { from: '2024-01-15T10:20:00Z', to: '2024-01-15T10:40:00Z' },
        { from: '2024-01-15T10:50:00Z', to: '2024-01-15T10:45:00Z' },
      ],
      ghost: [{ from: '2024-01-15T10:10:00Z', to: '2024-01-15T10:20:00Z' }],
    };
    scenario['chats'] = [
      { id: 'ops', platform: 'telegram', timeZone: 'UTC', subscribe: ['site', 'nope'] },
      { id: 'ops', platform: 'discord', timeZone: 'UTC' },
    ];
    scenario['reports'] = [
      {
        service: 'site',
        chats: ['ops'],
        from: '2024-01-15T10:50:00Z',
        reporters: [1, 1, 1],
        texts: ['down'],
      },
      {
        service: 'site',
        chats: ['ops', 'stranger'],
        from: '2024-01-15T10:47:00Z',
        reporters: [2],
        texts: ['x'],
      },
      { service: 'other', chats: ['ops'], from: '2024-01-15T10:10:00Z', reporters: [1], texts: ['x'] },
      { service: 'missing', chats: ['ops'], from: '2024-01-15T10:10:00Z', reporters: [1], texts: ['x'] },
    ];
    const problems = problemsOf(scenario);
    const expected = [
      /^standIns\.site-web\.timeline\[1\]\.at: must be after the entry before it/,
      /^standIns\.site-web\.timeline\[2\]\.at: 2024-01-15T12:00:00Z is outside the replay/,
      /^standIns\.same-name\.name: other\.example is already served by other-dns/,
      /^standIns\.Web Site: a stand-in id must be lowercase letters, digits, - or _/,
      /^trouble\.site\[1\]: overlaps or comes before trouble\.site\[0\]/,
      /^trouble\.site\[2\]\.to: must be after from/,
      /^trouble\.ghost: unknown service/,
      /^chats\[0\]\.subscribe\[1\]: unknown service "nope"/,
      /^chats\[1\]\.id: duplicate chat id "ops"/,
      /^reports\[0\]: its last window ends at 2024-01-15T11:05:00Z, after the replay/,
      /^reports\[1\]: overlaps reports\[0\] for site in chat ops/,
      /^reports\[1\]\.chats\[1\]: unknown chat "stranger"/,
      /^reports\[2\]\.service: other takes no crowd reports/,
      /^reports\[3\]\.service: unknown service "missing"/,
    ];
    for (const pattern of expected)
      expect(
        problems.some((p) => pattern.test(p)),
        String(pattern),
      ).toBe(true);
    expect(problems).toHaveLength(expected.length);
  });

  it('still checks times and references when one section is broken', () => {
    const scenario = validScenario();
    scenario['chats'] = [{ id: 'ops', platform: 'telegram', timeZone: 'Nowhere/Else', subscribe: ['*'] }];
    scenario['trouble'] = { ghost: [{ from: '2024-01-15T10:10:00Z', to: '2024-01-15T10:20:00Z' }] };
    scenario['reports'] = [
      { service: 'missing', chats: ['anyone'], from: '2024-01-15T10:10:00Z', reporters: [1], texts: ['x'] },
    ];
    (scenario['standIns'] as Record<string, { timeline?: unknown[] }>)['site-web']!.timeline!.reverse();
    expect(problemsOf(scenario)).toEqual([
      'chats[0].timeZone: unknown time zone (use an IANA name such as Asia/Dhaka)',
      expect.stringMatching(/^standIns\.site-web\.timeline\[1\]\.at: must be after the entry before it/),
      expect.stringMatching(/^trouble\.ghost: unknown service/),
      expect.stringMatching(/^reports\[0\]\.service: unknown service "missing"/),
    ]);
    expect(problemsOf({ ...validScenario(), to: '2024-01-15T09:00:00Z', trouble: {}, reports: [] })).toEqual([
      'to: must be after from (2024-01-15T10:00:00Z)',
    ]);
    expect(problemsOf([1, 2])).toEqual(['must be a JSON object with title, from, to, services and chats']);
  });

  it('lists unknown stand-ins and placeholders, and the services file problems with their paths', () => {
    const scenario = validScenario();
    scenario['services'] = {
      yaml: [
        'services:',
        '  - id: site',
        '    name: Site',
        "    monitors: [{ type: http, url: '{{url:nowhere}}' }, { type: tcp, host: '{{host}}', port: '{{port:other-dns}}' }]",
        "  - { id: other, name: Other, monitors: [{ type: http, url: '{{weird}}' }] }",
      ],
    };
    expect(problemsOf(scenario)).toEqual([
      'services: \'{{url:nowhere}}\': unknown stand-in "nowhere"',
      'services: \'{{port:other-dns}}\': stand-in "other-dns" is dns: {{port:…}} takes a tls or http one',
      "services: '{{weird}}': unknown placeholder (known: url, port, host, resolver, ca, control)",
    ]);
    scenario['services'] = { yaml: 'services:\n  - { id: site, name: Site, monitors: [{ type: htp }] }\n' };
    expect(problemsOf(scenario)).toEqual([
      expect.stringMatching(
        /^services \(\/nowhere\/scenario\.json\): services\[0\]\.monitors\[0\]\.type: unknown probe type "htp"/,
      ),
    ]);
  });

  it('reads a services file next to the scenario, and says when it cannot', () => {
    const dir = tempDir('replay-format-');
    writeFileSync(join(dir, 'site.yaml'), SERVICES_YAML);
    const scenario = validScenario();
    scenario['services'] = 'site.yaml';
    expect(problemsOf(scenario, join(dir, 'scenario.json'))).toEqual([]);
    scenario['services'] = 'missing.yaml';
    expect(problemsOf(scenario, join(dir, 'scenario.json'))).toEqual([
      'services: cannot read "missing.yaml" (ENOENT)',
    ]);
  });

  it('says what is wrong with a file that is not JSON or not there', () => {
    expect(() => parseScenario('{ "title": ', 'broken.json')).toThrow(ConfigError);
    try {
      parseScenario('{ "title": ', 'broken.json');
    } catch (err) {
      expect((err as ConfigError).problems).toEqual([expect.stringMatching(/^not JSON: /)]);
    }
    try {
      loadScenario('/nowhere/at/all.json');
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems).toEqual(['cannot read the scenario (ENOENT)']);
    }
  });
});

describe('the example in docs/replay.md', () => {
  const DOC = join(dirname(fileURLToPath(import.meta.url)), '../../docs/replay.md');
  const example = /## Example[\s\S]*?```json\n([\s\S]*?)```/.exec(readFileSync(DOC, 'utf8'))?.[1] ?? '';

  it('is a valid scenario that replays as its text says', async () => {
    const scenario = parseScenario(example, DOC);
    const summary = summarize(await runReplay({ scenario }));
    const [outage] = summary.outages;
    expect(outage?.alertedAt).not.toBeNull();
    expect(outage!.alertedAt! - outage!.trouble.from).toBeLessThanOrEqual(2 * 60_000 + 30_000);
    expect(outage?.resolvedAt).toBeGreaterThanOrEqual(outage!.trouble.to);
    expect(summary.falseAlerts).toEqual([]);
    expect(summary.chats.map((chat) => chat.chatId)).toEqual(['shop-ops', 'dhaka-buyers']);
  }, 60_000);
});

describe('the time line', () => {
  const scenario = parseScenario(JSON.stringify(validScenario()), '/nowhere/scenario.json');

  it('gives each stand-in its initial state, then the last entry at or before the time', () => {
    expect(standInStates(scenario, Date.parse('2024-01-15T10:09:59Z'))).toEqual({
      'site-web': 'ok',
      'other-dns': 'ok',
    });
    expect(standInStates(scenario, Date.parse('2024-01-15T10:10:00Z'))['site-web']).toEqual({ status: 503 });
    expect(standInStates(scenario, Date.parse('2024-01-15T10:20:00Z'))['site-web']).toBe('ok');
  });

  it('spreads each window of reporters over it, the chats in turn, Discord chats in a server', () => {
    const reports = planReports(scenario);
    expect(
      reports.map((r) => [new Date(r.at).toISOString().slice(11, 19), r.chat.chatId, r.chat.guildId]),
    ).toEqual([
      ['10:10:50', 'ops', null],
      ['10:12:30', 'community', 'community-server'],
      ['10:14:10', 'ops', null],
      ['10:16:15', 'ops', null],
      ['10:18:45', 'community', 'community-server'],
    ]);
    expect(new Set(reports.map((r) => r.userId)).size).toBe(reports.length);
  });

  it('fills quoted ports in as bare numbers and keeps the quotes of the rest', () => {
    const filled = fillPlaceholders(
      "url: '{{url:site-web}}'\nport: '{{port:site-web}}'\nresolver: \"{{resolver}}\"",
      scenario.standIns,
      {
        httpBase: 'http://127.0.0.1:81',
        httpPort: 81,
        dnsResolver: '127.0.0.1:5353',
        tlsPorts: {},
        caPath: '/ca',
      },
    );
    expect(filled).toBe('url: \'http://127.0.0.1:81/site-web/\'\nport: 81\nresolver: "127.0.0.1:5353"');
  });
});

describe('npm run replay', () => {
  it('prints every problem of a bad scenario, without a stack trace, and exits 1', async () => {
    const dir = tempDir('replay-cli-');
    const path = join(dir, 'bad.json');
    const scenario = validScenario();
    scenario['to'] = '2024-01-15T10:15:00Z';
    scenario['trouble'] = { ghost: [] };
    writeFileSync(path, JSON.stringify(scenario));
    let printed = '';
    const code = await replayToConsole({
      scenarioPath: path,
      realMsPerSimMinute: 0,
      write: (t) => (printed += t),
    });
    expect(code).toBe(1);
    const lines = printed.trim().split('\n');
    expect(lines[0]).toBe(`${path}: ${lines.length - 1} problem(s)`);
    expect(lines.slice(1)).toEqual([
      '  - standIns.site-web.timeline[1].at: 2024-01-15T10:20:00Z is outside the replay (2024-01-15T10:00:00Z to 2024-01-15T10:15:00Z)',
      '  - reports[0]: its last window ends at 2024-01-15T10:20:00Z, after the replay (2024-01-15T10:15:00Z)',
      '  - trouble.ghost: unknown service (known: site, other)',
    ]);
    expect(printed).not.toMatch(/\n\s+at /);
  });

  it('exits 1 from the command line with the problems on stdout and nothing on stderr', async () => {
    const path = join(tempDir('replay-cli-'), 'bad.json');
    writeFileSync(path, JSON.stringify({ ...validScenario(), chats: [] }));
    const run = promisify(execFile)('node_modules/.bin/tsx', ['scripts/replay.ts', path]);
    const failure = (await run.then(
      () => null,
      (err: unknown) => err,
    )) as { code: number; stdout: string; stderr: string } | null;
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toBe(`${path}: 1 problem(s)\n  - chats: needs at least one chat\n`);
    expect(failure?.stderr).toBe('');
  }, 30_000);

  it('takes one scenario path and an optional pace', () => {
    expect(parseReplayArgs(['s.json'])).toEqual({ scenarioPath: 's.json', realMsPerSimMinute: 0 });
    expect(parseReplayArgs(['s.json', '--pace', '650'])).toEqual({
      scenarioPath: 's.json',
      realMsPerSimMinute: 650,
    });
    expect(parseReplayArgs([])).toMatch(/^usage: /);
    expect(parseReplayArgs(['a.json', 'b.json'])).toMatch(/^usage: /);
    expect(parseReplayArgs(['s.json', '--pace', 'fast'])).toMatch(/--pace takes/);
  });
});
