import { describe, expect, it } from 'vitest';
import { PROBLEM_KINDS } from '../../../src/core/crowd/problem-kind.js';
import { COMMANDS as REGISTERED_COMMANDS, optionTextsOf } from '../../../src/core/commands/registry.js';
import {
  COMMAND_ARGUMENTS,
  LOCALES,
  messagesFor,
  type AlertMessages,
  type ButtonMessages,
  type CommandMessages,
  type EvidenceMessages,
  type Messages,
  type MonitorMessages,
  type PageText,
} from '../../../src/core/i18n/index.js';
import { SSRF_REFUSAL_REASONS } from '../../../src/core/i18n/ssrf-messages.js';
import { OUTCOME_REASONS, STATES } from '../../../src/core/model.js';

type Fn = (...args: never[]) => string;
type FunctionKeys<T> = { [K in keyof T]: T[K] extends Fn ? K : never }[keyof T];
/** Sample arguments for every message function: the compiler refuses a function without one. */
type Samples<T> = {
  readonly [K in FunctionKeys<T>]: T[K] extends Fn ? readonly Readonly<Parameters<T[K]>>[] : never;
};

const AT = Date.UTC(2024, 0, 1, 16, 50);
const TZ = 'Asia/Dhaka';
const incidents = [
  { serviceName: 'WhatsApp', severity: 'major', startedAt: AT, durationMs: 45 * 60_000 },
  { serviceName: 'GitHub', severity: 'minor', startedAt: AT + 3_600_000 },
] as const;
const service = { kind: 'service', name: 'WhatsApp' } as const;
const all = { kind: 'all' } as const;

const ALERT: Samples<AlertMessages> = {
  title: STATES.flatMap((state) =>
    (['opened', 'reopened', 'updated'] as const).map(
      (change) => [{ change, serviceName: 'WhatsApp', state }] as const,
    ),
  ),
  unstable: (['opened', 'reopened', 'updated'] as const).map(
    (change) => [{ change, serviceName: 'WhatsApp' }] as const,
  ),
  recovered: [[{ serviceName: 'WhatsApp', durationMs: 45 * 60_000 }]],
  stillDown: [[{ serviceName: 'WhatsApp', durationMs: 125 * 60_000 }]],
  threadName: [[{ serviceName: 'WhatsApp', startedAt: Date.UTC(2026, 2, 19, 17, 15), timeZone: 'UTC' }]],
  unconfirmed: [[{ serviceName: 'WhatsApp', durationMs: 45 * 60_000 }]],
  groupTitle: [
    ...STATES.flatMap((state) => [
      [{ groupName: 'Meta', serviceNames: ['WhatsApp', 'Instagram'], state, otherCount: 0 }] as const,
      [{ groupName: null, serviceNames: ['WhatsApp', 'GitHub', 'Slack'], state, otherCount: 2 }] as const,
    ]),
    [
      { groupName: 'Meta', serviceNames: ['WhatsApp'], state: 'degraded', otherCount: 0, unstable: true },
    ] as const,
    [
      {
        groupName: null,
        serviceNames: ['WhatsApp', 'GitHub'],
        state: 'degraded',
        otherCount: 1,
        unstable: true,
      },
    ] as const,
  ],
  peakedDown: [[{ serviceNames: [] }], [{ serviceNames: ['WhatsApp', 'Instagram'] }]],
  groupRecovered: [
    [{ groupName: 'Meta', serviceNames: ['WhatsApp'], durationMs: 60_000 }],
    [{ groupName: null, serviceNames: ['WhatsApp', 'GitHub'], durationMs: 60_000 }],
  ],
  serviceState: STATES.map((state) => [{ serviceName: 'WhatsApp', state }] as const),
  serviceEvidence: [[{ serviceName: 'WhatsApp', line: 'web.whatsapp.com: HTTP 503' }]],
  since: [[{ at: AT, timeZone: TZ }]],
  duration: [[{ durationMs: 90_000 }]],
  moreLines: [[{ count: 3 }]],
  footer: [[{ incidentIds: [12] }], [{ incidentIds: [12, 13] }]],
  note: [
    [{ mark: null, text: 'rolled back' }],
    ...(['identified', 'monitoring', 'resolved'] as const).map(
      (mark) => [{ mark, text: 'rolled back' }] as const,
    ),
  ],
};

const EVIDENCE: Samples<EvidenceMessages> = {
  probe: OUTCOME_REASONS.flatMap((reason) => [
    [{ reason, target: 'web.whatsapp.com' }] as const,
    [{ reason, target: 'web.whatsapp.com', httpStatus: 503, timeoutMs: 10_000, detail: 'detail' }] as const,
    [{ reason, target: 'web.whatsapp.com', vantages: { down: 1, of: 3 } }] as const,
    [{ reason, target: 'web.whatsapp.com', httpStatus: 503, vantages: { down: 2, of: 3 } }] as const,
  ]),
  reason: OUTCOME_REASONS.map((reason) => [{ reason }] as const),
  official: [[{ serviceName: 'GitHub', line: 'Investigating — Incident with Actions' }]],
  unstable: [[{ target: 'web.whatsapp.com', changes: 6, windowMs: 30 * 60_000 }]],
  crowdReports: [[{ level: 'possible', reporters: 1 }], [{ level: 'detected', reporters: 62 }]],
  crowdTopProblem: PROBLEM_KINDS.map((kind) => [{ kind, share: 0.62 }] as const),
  problemKind: PROBLEM_KINDS.map((kind) => [kind] as const),
};

const BUTTONS: Samples<ButtonMessages> = { mute: [[{ durationMs: 3_600_000 }]] };

const COMMANDS: Samples<CommandMessages> = {
  help: [[{ withStart: true }], [{ withStart: false }]],
  subscribed: [[{ target: service, severity: 'major' }], [{ target: all, severity: 'minor' }]],
  unsubscribed: [[{ target: service }], [{ target: all }]],
  notSubscribed: [[{ target: service }]],
  subscriptions: [
    [{ items: [] }],
    [
      {
        items: [
          { target: all, severity: 'minor' },
          { target: service, severity: 'major' },
        ],
      },
    ],
  ],
  statusOverview: [
    [{ services: [], timeZone: TZ }],
    [{ services: STATES.map((state) => ({ name: 'WhatsApp', state, since: AT })), timeZone: TZ }],
  ],
  statusDetail: [
    [{ service: { name: 'WhatsApp', state: 'down', since: AT }, evidence: ['HTTP 503'], timeZone: TZ }],
  ],
  incidents: [[{ incidents: [], timeZone: TZ }], [{ incidents, timeZone: TZ }]],
  reportAcknowledged: PROBLEM_KINDS.map((problem) => [{ serviceName: 'WhatsApp', problem }] as const),
  communityNotice: [[{ serviceName: 'Instagram', reporters: 5 }]],
  alreadyReported: [[{ serviceName: 'WhatsApp', windowMs: 30 * 60_000 }]],
  reportNeedsPerson: [[{ serviceName: 'WhatsApp' }]],
  services: [[{ services: [] }], [{ services: [{ id: 'whatsapp', name: 'WhatsApp' }] }]],
  settings: [
    [
      {
        changed: true,
        languageName: 'বাংলা',
        timeZone: TZ,
        quietHours: { startMinute: 1380, endMinute: 420 },
        remindMinutes: 30,
      },
    ],
    [{ changed: false, languageName: 'English', timeZone: 'UTC', quietHours: null, remindMinutes: null }],
    [
      {
        changed: true,
        languageName: 'English',
        timeZone: 'UTC',
        quietHours: null,
        mentionRoleId: '123456789012345678',
        remindMinutes: 240,
      },
    ],
    [
      {
        changed: false,
        languageName: 'English',
        timeZone: 'UTC',
        quietHours: null,
        mentionRoleId: null,
        remindMinutes: null,
      },
    ],
  ],
  invalidLanguage: [[{ given: 'fr', supported: ['English', 'বাংলা'] }]],
  invalidTimeZone: [[{ given: 'Mars/Olympus' }]],
  invalidQuietHours: [[{ given: '25:00' }]],
  invalidRemindPace: [[{ given: '45m', paces: [30, 60, 120, 240] }]],
  unknownCommand: [[{ command: '/frobnicate' }]],
  unknownService: [[{ given: 'whatsap', suggestions: ['WhatsApp'] }], [{ given: 'zzz', suggestions: [] }]],
  discordOnlySetting: [[{ setting: 'threads' }], [{ setting: 'role' }]],
  missingArgument: COMMAND_ARGUMENTS.map((argument) => [{ command: '/subscribe', argument }] as const),
  adminRequired: [[]],
  rateLimited: [[{ retryAfterMs: 10_000 }]],
  missingPermissions: [[{ channel: '#alerts', permissions: ['Send Messages', 'Embed Links'] }]],
  quietHoursSummary: [[{ incidents, timeZone: TZ }]],
  muted: [[{ serviceName: 'WhatsApp', until: AT + 3_600_000, timeZone: TZ }]],
  silences: [
    [{ allUntil: null, services: [], timeZone: TZ }],
    [{ allUntil: AT + 2 * 86_400_000, services: [], timeZone: TZ }],
    [{ allUntil: null, services: [{ serviceName: 'WhatsApp', until: AT + 7_200_000 }], timeZone: TZ }],
  ],
  silenced: [[{ until: AT + 7_200_000, timeZone: TZ }]],
  silenceEnded: [[]],
  notSilenced: [[]],
  silenceOneService: [[{ serviceName: 'WhatsApp' }]],
  serviceSilenced: [[{ serviceName: 'WhatsApp', until: AT + 7_200_000, timeZone: TZ }]],
  serviceSilenceEnded: [[{ serviceName: 'WhatsApp' }]],
  serviceNotSilenced: [[{ serviceName: 'WhatsApp' }]],
  invalidSilenceDuration: [[{ given: null }], [{ given: '8d' }]],
  storageUnavailable: [[]],
  internalError: [[]],
  servicesMatching: [
    [{ given: 'git', services: [{ id: 'github', name: 'GitHub' }] }],
    [{ given: 'zz', services: [] }],
  ],
  noteAdded: [[{ serviceName: 'WhatsApp', open: true }], [{ serviceName: 'WhatsApp', open: false }]],
  noteNoIncident: [[{ serviceName: 'WhatsApp' }]],
  noteNotAllowed: [[]],
  noteTooLong: [[{ max: 500 }]],
  maintenanceUsage: [[]],
  maintenanceSet: [[{ name: 'shop', start: AT + 3_600_000, end: AT + 10_800_000, timeZone: TZ }]],
  maintenanceList: [
    [{ windows: [], now: AT, timeZone: TZ }],
    [
      {
        windows: [
          { name: 'shop', start: AT - 600_000, end: AT + 3_000_000 },
          { name: 'Game server', start: AT + 86_400_000, end: AT + 93_600_000 },
        ],
        now: AT,
        timeZone: TZ,
      },
    ],
  ],
  maintenanceCancelled: [[{ name: 'shop' }]],
  maintenanceNone: [[{ name: 'shop' }]],
  maintenanceUnknownMonitor: [
    [{ given: 'shp', known: ['shop', 'Game server'] }],
    [{ given: 'shp', known: [] }],
  ],
  maintenanceBadStart: [[{ given: null }], [{ given: '25:00' }]],
  maintenancePastStart: [[{ given: '2021-03-19 10:00' }]],
  maintenanceBadDuration: [[{ given: null }], [{ given: '8d' }]],
};

const shop = { name: 'shop', target: 'https://shop.example.com/', intervalMs: 5 * 60_000 } as const;
const MONITORS: Samples<MonitorMessages> = {
  usage: [[]],
  notEnabled: [[]],
  added: [[{ monitor: shop }]],
  refused: [[{ reason: 'Refusal text' }]],
  invalidName: [[]],
  nameTaken: [[{ name: 'shop' }]],
  limitReached: [[{ limit: 10 }]],
  intervalTooShort: [[{ minIntervalMs: 60_000 }]],
  invalidInterval: [[{ given: '5x' }]],
  removed: [[{ name: 'shop' }]],
  notFound: [[{ name: 'shop' }]],
  watchUsage: [[]],
  watchAdded: [
    [
      {
        name: 'githubstatus.com',
        url: 'https://www.githubstatus.com/api/v2/summary.json',
        components: [],
        intervalMs: 60_000,
      },
    ],
    [
      {
        name: 'githubstatus.com',
        url: 'https://www.githubstatus.com/api/v2/summary.json',
        components: ['Git Operations', 'API Requests'],
        intervalMs: 60_000,
      },
    ],
  ],
  notStatusPage: [
    ...(['html', 'unknown-json', 'other-xml', 'empty', 'other', 'unreadable', 'unreachable'] as const).map(
      (kind) => [{ found: { kind } }] as const,
    ),
    [{ found: { kind: 'http-status', status: 503 } }],
  ],
  unknownComponents: [
    [{ unknown: ['Gits'], known: ['Git Operations', 'API Requests'], more: 0 }],
    [{ unknown: ['Gits'], known: ['Git Operations'], more: 12 }],
  ],
  listing: [
    [{ monitors: [], limit: 10, audit: [], timeZone: TZ }],
    [
      {
        monitors: [shop, { name: 'game', target: 'game.example.org:25565', intervalMs: 3_600_000 }],
        limit: 10,
        audit: [
          { name: 'shop', action: 'add', actor: '42', at: AT },
          { name: 'old', action: 'remove', actor: '43', at: AT + 60_000 },
        ],
        timeZone: TZ,
      },
    ],
  ],
};

const PAGE: Samples<PageText> = {
  resolvedAfter: [[45 * 60_000]],
  lastingFor: [[3 * 3_600_000]],
  barLabel: [[90]],
  overview: [[{ total: 1000, problems: 2 }], [{ total: 1, problems: 0 }]],
  serviceCount: [[1], [1000]],
  dayTitle: [
    [{ date: 'DAY', uptime: 0.62, incidents: 1, state: 'STATE' }],
    [{ date: 'DAY', uptime: null, incidents: 3, state: 'STATE' }],
  ],
  chartDesc: [[{ checks: 1440, failures: 12, reports: 3 }]],
  uptimePeriod: [[7], [30], [90]],
  feedOngoing: [[{ serviceName: 'WhatsApp', state: 'STATE', date: 'DAY' }]],
  feedResolved: [[{ serviceName: 'WhatsApp', durationMs: 55 * 60_000 }]],
};

const SECTIONS = {
  alert: ALERT,
  evidence: EVIDENCE,
  buttons: BUTTONS,
  commands: COMMANDS,
  monitors: MONITORS,
  page: PAGE,
} as const;

function functionNames(section: object): string[] {
  return Object.entries(section)
    .filter(([, value]) => typeof value === 'function')
    .map(([name]) => name)
    .sort();
}

describe.each(LOCALES)('the %s catalogue', (locale) => {
  const messages = messagesFor(locale);

  it('has a sample call for every message function, and no function without one', () => {
    for (const [name, samples] of Object.entries(SECTIONS)) {
      expect(functionNames(messages[name as keyof typeof SECTIONS]), name).toEqual(
        Object.keys(samples).sort(),
      );
    }
  });

  it('answers every message function with non-empty text, without throwing', () => {
    for (const [sectionName, samples] of Object.entries(SECTIONS)) {
      const section = messages[sectionName as keyof typeof SECTIONS] as unknown as Record<string, Fn>;
      for (const [name, calls] of Object.entries(
        samples as unknown as Record<string, readonly (readonly never[])[]>,
      )) {
        expect(calls.length, `${sectionName}.${name}`).toBeGreaterThan(0);
        for (const args of calls) {
          const text = section[name]?.(...args);
          expect(text?.trim(), `${sectionName}.${name}`).not.toBe('');
          expect(text).not.toMatch(/undefined|NaN|\[object/);
        }
      }
    }
  });

  it('has every entry of the first (English) catalogue, of the same kind, and no empty text (walked at run time)', () => {
    const problems = compareShapes(messagesFor(LOCALES[0]), messages, '');
    expect(problems).toEqual([]);
  });

  it('says why every refused monitor target is refused, and describes every menu command and option', () => {
    for (const reason of SSRF_REFUSAL_REASONS) expect(messages.ssrf[reason].trim(), reason).not.toBe('');
    for (const { name } of REGISTERED_COMMANDS.filter((c) => c.surface === 'menu')) {
      const description = messages.commandMenu[name] ?? '';
      // Telegram's menu takes 1-256 characters, Discord's command description 1-100 (docs/platforms.md).
      expect(description.length, name).toBeGreaterThan(0);
      expect(description.length, name).toBeLessThanOrEqual(100);
    }
    for (const key of new Set(REGISTERED_COMMANDS.flatMap(optionTextsOf))) {
      // Discord's option descriptions and choice names: 1-100 characters.
      const text = messages.commandOptions[key] ?? '';
      expect(text.trim().length, key).toBeGreaterThan(0);
      expect([...text].length, key).toBeLessThanOrEqual(100);
    }
  });

  it('is picked by its own code as a platform hint and names itself', () => {
    expect(messages.locale).toBe(locale);
    // Telegram's setMyCommands takes a two-letter ISO 639-1 `language_code`, and the code is ours.
    expect(locale).toMatch(/^[a-z]{2}$/);
    for (const hint of messages.hints) expect(hint).toMatch(/^[a-z]{2,3}$/);
    expect(messages.hints).toContain(locale);
    for (const word of [...messages.languageAliases, ...messages.offWords]) {
      expect(word, 'aliases and off-words are compared in lower case').toBe(word.toLowerCase());
    }
  });

  it('has a word for every state and non-empty labels', () => {
    for (const state of STATES) expect(messages.state[state].trim()).not.toBe('');
    const labels = [messages.languageName, messages.alert.sinceLabel, messages.alert.durationLabel];
    for (const label of [...labels, messages.alert.statusPageLink, messages.buttons.report]) {
      expect(label.trim()).not.toBe('');
    }
  });
});

/**
 * Every path of `reference` that `other` lacks, has as another kind, or holds as an empty string
 * (or an empty list where the reference has entries). Functions count as leaves: their output is
 * checked by the sample calls.
 */
function compareShapes(reference: unknown, other: unknown, path: string): string[] {
  if (typeof reference === 'string') {
    if (typeof other !== 'string') return [`${path}: not a string`];
    return other.trim() === '' ? [`${path}: empty`] : [];
  }
  if (typeof reference === 'function') return typeof other === 'function' ? [] : [`${path}: not a function`];
  if (typeof reference === 'boolean') return typeof other === 'boolean' ? [] : [`${path}: not a boolean`];
  if (Array.isArray(reference)) {
    if (!Array.isArray(other)) return [`${path}: not a list`];
    if (reference.length > 0 && other.length === 0) return [`${path}: empty list`];
    return other.flatMap((item, i) => compareShapes('x', item, `${path}[${i}]`));
  }
  if (typeof reference === 'object' && reference !== null) {
    if (typeof other !== 'object' || other === null) return [`${path}: missing`];
    const theirs = other as Record<string, unknown>;
    return Object.entries(reference).flatMap(([key, value]) =>
      key in theirs ? compareShapes(value, theirs[key], `${path}.${key}`) : [`${path}.${key}: missing`],
    );
  }
  return [];
}

/** Argument keys whose values are text from outside the catalogue (names, targets, what a user typed). */
const PASSED_IN = new Set([
  'serviceName',
  'text',
  'serviceNames',
  'groupName',
  'target',
  'name',
  'line',
  'detail',
  'given',
  'command',
  'channel',
  'permissions',
  'suggestions',
  'timeZone',
  'languageName',
  'actor',
  'id',
  'mentionRoleId',
  'url',
  'components',
  'unknown',
  'known',
  'date',
  'supported',
  'evidence',
]);

function passedIn(value: unknown, key: string | undefined, out: string[]): string[] {
  if (typeof value === 'string') {
    const reason = key === 'reason' && !(OUTCOME_REASONS as readonly string[]).includes(value);
    if ((key !== undefined && PASSED_IN.has(key)) || reason || (key === 'state' && value === 'STATE'))
      out.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) passedIn(item, key, out);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) passedIn(v, k, out);
  }
  return out;
}

/**
 * Latin and ASCII digits a Bengali or Hindi text may hold: technical names (HTTP, DNS, TLS…),
 * command syntax and the examples a user types as they are (`/settings`, `23:00-07:00`, `5m`,
 * `https://example.com/`), and the Telegram topic named General.
 */
const ALLOWED = [
  /https?:\/\/[^\s)]*/g,
  /http\(s\)/g,
  /host:port/g,
  /\/[a-z_]+/g,
  /<[a-z|]+>/g,
  /\[[a-z]+\]/g,
  /"[a-z]+"/g,
  /Asia\/[A-Za-z]+/g,
  /\b\d{1,2}:\d{2}-\d{1,2}:\d{2}\b/g,
  /\b\d+[smh]\b/g,
  /RFC 1918/g,
  /100\.64\.0\.0\/10/g,
  /0\.0\.0\.0/g,
  /\b(?:IPv4|IPv6|NAT64|6to4|NAT|Teredo|mapped|HTTP|DNS|TLS|TCP|URL|UTC|General|major|minor|off|on|en|bn|hi|add|remove|list|identified|monitoring|resolved|shop|Discord|Telegram|cancel|now|YYYY|MM|DD|HH)\b/g,
];

/** What is left of `text` once passed-in values and allowed words are taken out. */
function foreignLeftovers(text: string, args: readonly unknown[]): string[] {
  let rest = text;
  for (const value of passedIn(args, undefined, []).sort((a, b) => b.length - a.length)) {
    rest = rest.split(value).join(' ');
  }
  for (const pattern of ALLOWED) rest = rest.replace(pattern, ' ');
  return rest.match(/[A-Za-z]+|[0-9]+/g) ?? [];
}

/** Every text a catalogue says, with the arguments it was given: samples, labels, tables. */
function everyText(
  m: Messages,
): { readonly where: string; readonly text: string; readonly args: readonly unknown[] }[] {
  const texts: { where: string; text: string; args: readonly unknown[] }[] = [];
  for (const [sectionName, samples] of Object.entries(SECTIONS)) {
    const section = m[sectionName as keyof typeof SECTIONS] as unknown as Record<string, unknown>;
    for (const [name, value] of Object.entries(section)) {
      if (typeof value === 'string') texts.push({ where: `${sectionName}.${name}`, text: value, args: [] });
    }
    for (const [name, calls] of Object.entries(
      samples as unknown as Record<string, readonly (readonly never[])[]>,
    )) {
      for (const args of calls) {
        texts.push({ where: `${sectionName}.${name}`, text: (section[name] as Fn)(...args), args });
      }
    }
  }
  const tables = {
    state: m.state,
    ssrf: m.ssrf,
    commandMenu: m.commandMenu,
    commandOptions: m.commandOptions,
    severity: m.page.severity,
  };
  for (const [table, entries] of Object.entries(tables)) {
    for (const [key, text] of Object.entries(entries))
      texts.push({ where: `${table}.${key}`, text, args: [] });
  }
  texts.push({ where: 'languageName', text: m.languageName, args: [] });
  return texts;
}

/**
 * The languages written in a script other than Latin (their own name has no Latin letter): there,
 * a Latin word or an ASCII digit the catalogue wrote itself is English leaking through.
 */
const OWN_SCRIPT = LOCALES.filter((l) => !/\p{Script=Latin}/u.test(messagesFor(l).languageName));

describe('the leak check', () => {
  it('runs for every language not written in Latin letters', () => {
    expect(OWN_SCRIPT).toEqual(expect.arrayContaining(['bn', 'hi']));
    expect(OWN_SCRIPT).not.toContain('en');
  });
});

describe.each(OWN_SCRIPT)('the %s catalogue leaks no English', (locale) => {
  const messages = messagesFor(locale);

  it('writes every message in its own words and digits: no Latin words or ASCII digits of its own', () => {
    const leaks = everyText(messages).flatMap(({ where, text, args }) =>
      foreignLeftovers(text, args).map((leftover) => `${where}: "${leftover}" in ${JSON.stringify(text)}`),
    );
    expect(leaks).toEqual([]);
  });
});

describe('the leak check', () => {
  it('finds English words and ASCII digits that are not allowed, and passes names that were given', () => {
    expect(foreignLeftovers('WhatsApp is down since 10:50', [{ serviceName: 'WhatsApp' }])).toEqual([
      'is',
      'down',
      'since',
      '10',
      '50',
    ]);
    expect(foreignLeftovers('WhatsApp: HTTP ५०३, /help देखें', [{ serviceName: 'WhatsApp' }])).toEqual([]);
  });
});

describe('Bengali', () => {
  const bn = messagesFor('bn');
  const ASCII_DIGIT = /[0-9]/;

  it('writes every number it formats in Bengali digits', () => {
    const texts = [
      bn.alert.recovered({ serviceName: 'WhatsApp', durationMs: 45 * 60_000 }),
      bn.alert.stillDown({ serviceName: 'WhatsApp', durationMs: 125 * 60_000 }),
      bn.alert.since({ at: Date.UTC(2024, 0, 1, 16, 50), timeZone: TZ }),
      bn.alert.footer({ incidentIds: [12, 345] }),
      bn.alert.moreLines({ count: 97 }),
      bn.evidence.probe({ reason: 'http-status', httpStatus: 503, target: 'web.whatsapp.com' }),
      bn.evidence.probe({ reason: 'timeout', timeoutMs: 10_000, target: 'api.github.com' }),
      bn.evidence.crowdReports({ level: 'detected', reporters: 62 }),
      bn.evidence.crowdTopProblem({ kind: 'sending', share: 0.62 }),
      bn.buttons.mute({ durationMs: 3_600_000 }),
      bn.commands.rateLimited({ retryAfterMs: 10_000 }),
      bn.commands.quietHoursSummary({ incidents, timeZone: TZ }),
      bn.commands.muted({ serviceName: 'WhatsApp', until: Date.UTC(2024, 0, 1, 17, 50), timeZone: TZ }),
    ];
    for (const text of texts) expect(text).not.toMatch(ASCII_DIGIT);
  });

  it('says the founding examples naturally', () => {
    expect(bn.alert.recovered({ serviceName: 'WhatsApp', durationMs: 45 * 60_000 })).toBe(
      '৪৫ মিনিট পর WhatsApp আবার চালু হয়েছে',
    );
    expect(bn.evidence.crowdTopProblem({ kind: 'sending', share: 0.62 })).toBe('৬২% রিপোর্টে: মেসেজ যাচ্ছে না');
    expect(
      bn.alert.groupTitle({
        groupName: 'Meta',
        serviceNames: ['WhatsApp', 'Instagram'],
        state: 'down',
        otherCount: 0,
      }),
    ).toBe('Meta সার্ভিস: WhatsApp, Instagram কাজ করছে না');
    expect(
      bn.commands.muted({ serviceName: 'WhatsApp', until: Date.UTC(2024, 0, 1, 17, 50), timeZone: TZ }),
    ).toBe('WhatsApp: এই চ্যাটে রাত্রি ১১:৫০ পর্যন্ত সতর্কবার্তা বন্ধ থাকবে।');
  });
});

describe('the still-down reminder', () => {
  it('says how long the service has been down, in each language’s words and digits', () => {
    const p = { serviceName: 'WhatsApp', durationMs: 125 * 60_000 };
    expect(messagesFor('en').alert.stillDown(p)).toBe(
      'Reminder: WhatsApp is still down, for 2 hours 5 minutes so far',
    );
    expect(messagesFor('bn').alert.stillDown(p)).toBe(
      'মনে করিয়ে দিচ্ছি: WhatsApp এখনো বন্ধ, ২ ঘণ্টা ৫ মিনিট ধরে',
    );
    expect(messagesFor('hi').alert.stillDown(p)).toBe('याद दिला दें: WhatsApp अब भी बंद है, २ घंटे ५ मिनट से');
  });
});

describe('Hindi', () => {
  const hi = messagesFor('hi');

  it('says the founding examples naturally, in Devanagari digits', () => {
    expect(hi.alert.recovered({ serviceName: 'WhatsApp', durationMs: 45 * 60_000 })).toBe(
      'WhatsApp ४५ मिनट बाद फिर से चालू है',
    );
    expect(hi.alert.title({ change: 'reopened', serviceName: 'WhatsApp', state: 'down' })).toBe(
      'WhatsApp फिर से बंद है',
    );
    expect(hi.evidence.crowdTopProblem({ kind: 'sending', share: 0.62 })).toBe('६२% रिपोर्ट में: मैसेज नहीं जा रहे');
    expect(
      hi.alert.groupTitle({
        groupName: 'Meta',
        serviceNames: ['WhatsApp', 'Instagram'],
        state: 'down',
        otherCount: 0,
      }),
    ).toBe('Meta सेवाएँ: WhatsApp, Instagram बंद हैं');
    expect(hi.evidence.reason({ reason: 'http-status', httpStatus: 503 })).toBe('HTTP ५०३');
    expect(
      hi.commands.muted({
        serviceName: 'WhatsApp',
        until: Date.UTC(2024, 0, 1, 17, 50),
        timeZone: 'Asia/Kolkata',
      }),
    ).toBe('WhatsApp: इस चैट में रात ११:२० तक अलर्ट बंद रहेंगे।');
    expect(hi.alert.footer({ incidentIds: [12, 345] })).toBe('घटनाएँ #१२, #३४५');
  });

  it('puts घंटा in its oblique form before a postposition, and leaves a duration on its own alone', () => {
    expect(hi.alert.recovered({ serviceName: 'GitHub', durationMs: 3_900_000 })).toBe(
      'GitHub १ घंटे ५ मिनट बाद फिर से चालू है',
    );
    expect(hi.buttons.mute({ durationMs: 3_600_000 })).toBe('१ घंटे के लिए म्यूट करें');
    expect(hi.alert.duration({ durationMs: 3_600_000 })).toBe('१ घंटा');
    expect(hi.monitors.intervalTooShort({ minIntervalMs: 3_600_000 })).toBe(
      'जाँचों के बीच कम से कम १ घंटे का अंतर होना चाहिए।',
    );
  });

  it('says one member, one service in the singular and several in the plural, and one word for a problem', () => {
    expect(hi.commands.communityNotice({ serviceName: 'WhatsApp', reporters: 1 })).toMatch(
      /^WhatsApp: यहाँ के १ सदस्य ने समस्या बताई है;/,
    );
    expect(hi.commands.communityNotice({ serviceName: 'WhatsApp', reporters: 5 })).toMatch(
      /^WhatsApp: यहाँ के ५ सदस्यों ने समस्या बताई है;/,
    );
    expect(hi.alert.title({ change: 'opened', serviceName: 'WhatsApp', state: 'degraded' })).toBe(
      'WhatsApp में समस्या है',
    );
    expect(hi.buttons.report).toBe('मुझे भी समस्या है');
    expect(hi.evidence.reason({ reason: 'official-incident' })).toBe('आधिकारिक तौर पर घोषित समस्या');
  });
});

describe('English', () => {
  const en = messagesFor('en');

  it('says the examples of the brief', () => {
    expect(
      en.alert.groupTitle({
        groupName: 'Meta',
        serviceNames: ['WhatsApp', 'Instagram', 'Messenger'],
        state: 'down',
        otherCount: 0,
      }),
    ).toBe('Meta services: WhatsApp, Instagram, Messenger down');
    expect(en.evidence.crowdTopProblem({ kind: 'sending', share: 0.62 })).toBe(
      '62% of reports: messages not sending',
    );
    expect(en.evidence.reason({ reason: 'dns-nxdomain' })).toBe('DNS: no such domain');
    expect(en.evidence.reason({ reason: 'tls-expired' })).toBe('certificate expired');
    expect(en.evidence.reason({ reason: 'http-status', httpStatus: 503 })).toBe('HTTP 503');
    expect(en.evidence.reason({ reason: 'timeout', timeoutMs: 10_000 })).toBe('timed out after 10 seconds');
    expect(
      en.evidence.official({ serviceName: 'GitHub', line: 'Investigating — Incident with Actions' }),
    ).toBe('GitHub says: Investigating — Incident with Actions');
    expect(en.commands.invalidTimeZone({ given: 'Mars/Olympus' })).toBe(
      'Mars/Olympus is not a time zone I know; try Asia/Kolkata or UTC.',
    );
    expect(en.commands.quietHoursSummary({ incidents, timeZone: TZ })).toBe(
      [
        'While you were in quiet hours: 2 incidents',
        '• WhatsApp: outage at Jan 1, 10:50 PM, lasted 45 minutes',
        '• GitHub: problems since Jan 1, 11:50 PM, ongoing',
      ].join('\n'),
    );
  });
});
