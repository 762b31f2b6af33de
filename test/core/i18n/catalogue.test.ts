import { describe, expect, it } from 'vitest';
import { PROBLEM_KINDS } from '../../../src/core/crowd/problem-kind.js';
import {
  COMMAND_ARGUMENTS,
  LOCALES,
  messagesFor,
  type AlertMessages,
  type ButtonMessages,
  type CommandMessages,
  type EvidenceMessages,
} from '../../../src/core/i18n/index.js';
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
};

const EVIDENCE: Samples<EvidenceMessages> = {
  probe: OUTCOME_REASONS.flatMap((reason) => [
    [{ reason, target: 'web.whatsapp.com' }] as const,
    [{ reason, target: 'web.whatsapp.com', httpStatus: 503, timeoutMs: 10_000, detail: 'detail' }] as const,
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
      },
    ],
    [{ changed: false, languageName: 'English', timeZone: 'UTC', quietHours: null }],
  ],
  invalidLanguage: [[{ given: 'fr', supported: ['English', 'বাংলা'] }]],
  invalidTimeZone: [[{ given: 'Mars/Olympus' }]],
  invalidQuietHours: [[{ given: '25:00' }]],
  unknownCommand: [[{ command: '/frobnicate' }]],
  unknownService: [[{ given: 'whatsap', suggestions: ['WhatsApp'] }], [{ given: 'zzz', suggestions: [] }]],
  missingArgument: COMMAND_ARGUMENTS.map((argument) => [{ command: '/subscribe', argument }] as const),
  adminRequired: [[]],
  rateLimited: [[{ retryAfterMs: 10_000 }]],
  missingPermissions: [[{ channel: '#alerts', permissions: ['Send Messages', 'Embed Links'] }]],
  quietHoursSummary: [[{ incidents, timeZone: TZ }]],
  muted: [[{ serviceName: 'WhatsApp', until: AT + 3_600_000, timeZone: TZ }]],
  storageUnavailable: [[]],
  internalError: [[]],
};

const SECTIONS = { alert: ALERT, evidence: EVIDENCE, buttons: BUTTONS, commands: COMMANDS } as const;

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

  it('has a word for every state and non-empty labels', () => {
    for (const state of STATES) expect(messages.state[state].trim()).not.toBe('');
    const labels = [messages.languageName, messages.alert.sinceLabel, messages.alert.durationLabel];
    for (const label of [...labels, messages.alert.statusPageLink, messages.buttons.report]) {
      expect(label.trim()).not.toBe('');
    }
  });
});

describe('Bengali', () => {
  const bn = messagesFor('bn');
  const ASCII_DIGIT = /[0-9]/;

  it('writes every number it formats in Bengali digits', () => {
    const texts = [
      bn.alert.recovered({ serviceName: 'WhatsApp', durationMs: 45 * 60_000 }),
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
