import { describe, expect, it } from 'vitest';
import {
  buildAlert,
  buttonPayload,
  describeEvidence,
  parseButtonPayload,
  type AlertContext,
} from '../../src/core/alert-message.js';
import type { Evidence } from '../../src/core/detection/service-status.js';
import type { IncidentEvent } from '../../src/core/events.js';
import { messagesFor } from '../../src/core/i18n/index.js';
import { OUTCOME_REASONS, type OutcomeFacts, type OutcomeReason } from '../../src/core/model.js';

const T = Date.UTC(2024, 0, 1, 16, 50); // 22:50 in Dhaka
const EN: AlertContext = { locale: 'en', timeZone: 'Asia/Dhaka' };
const BN: AlertContext = { locale: 'bn', timeZone: 'Asia/Dhaka' };

function event(overrides: Partial<IncidentEvent> = {}): IncidentEvent {
  return {
    kind: 'opened',
    incidentId: 12,
    serviceId: 'whatsapp',
    serviceName: 'WhatsApp',
    group: 'meta',
    severity: 'major',
    status: 'down',
    startedAt: T,
    at: T,
    evidence: [],
    ...overrides,
  };
}

const probe503: Evidence = {
  kind: 'probe',
  monitorId: 'whatsapp-http',
  target: 'web.whatsapp.com',
  state: 'down',
  reason: 'http-status',
  message: 'HTTP 503',
  facts: { statusCode: 503 },
};
const dnsTimeout: Evidence = {
  kind: 'probe',
  monitorId: 'whatsapp-dns',
  target: 'g.whatsapp.net',
  state: 'down',
  reason: 'dns-timeout',
  message: 'no answer within 2000 ms',
  facts: { timeoutMs: 2000 },
};
const crowd: Evidence = {
  kind: 'crowd',
  level: 'detected',
  reporters: 62,
  topProblem: { kind: 'sending', share: 0.62 },
};

describe('buildAlert, one service', () => {
  it('describes an outage with probe evidence in English', () => {
    const alert = buildAlert([event({ evidence: [probe503, dnsTimeout] })], {
      ...EN,
      statusPageUrl: 'https://status.example.com',
    });
    expect(alert).toEqual({
      locale: 'en',
      title: 'WhatsApp is down',
      state: 'down',
      change: 'opened',
      severity: 'major',
      lines: ['web.whatsapp.com: HTTP 503', 'g.whatsapp.net: DNS: no answer in 2 seconds'],
      since: T,
      sinceText: 'Started Jan 1, 10:50 PM',
      at: T,
      services: [{ id: 'whatsapp', name: 'WhatsApp' }],
      incidentIds: [12],
      footer: 'Incident #12',
      links: [{ label: 'Status page', url: 'https://status.example.com/' }],
      buttons: [
        { kind: 'report', serviceId: 'whatsapp', label: "I'm affected too" },
        { kind: 'mute', serviceId: 'whatsapp', label: 'Mute 1 hour' },
      ],
      grouped: false,
    });
  });

  it('describes degradation with crowd evidence in Bengali', () => {
    const alert = buildAlert([event({ status: 'degraded', severity: 'minor', evidence: [crowd] })], BN);
    expect(alert.title).toBe('WhatsApp ঠিকমতো কাজ করছে না');
    expect(alert.lines).toEqual([
      'অনেক ব্যবহারকারী সমস্যার কথা জানাচ্ছেন: ৬২টি রিপোর্ট',
      '৬২% রিপোর্টে: মেসেজ যাচ্ছে না',
    ]);
    expect(alert.sinceText).toBe('শুরু: ১ জানু, রাত্রি ১০:৫০');
    expect(alert.buttons.map((b) => b.label)).toEqual(['আমারও সমস্যা হচ্ছে', '১ ঘণ্টা নীরব রাখুন']);
    expect(alert.severity).toBe('minor');
  });

  it('reports a recovery with its duration and no buttons', () => {
    const resolved = event({ kind: 'resolved', status: 'up', at: T + 45 * 60_000, durationMs: 45 * 60_000 });
    const english = buildAlert([resolved], EN);
    const bengali = buildAlert([resolved], BN);
    expect(english).toMatchObject({
      title: 'WhatsApp is back up after 45 minutes',
      state: 'up',
      change: 'resolved',
      lines: [],
      durationMs: 45 * 60_000,
      durationText: '45 minutes',
      buttons: [],
    });
    expect(bengali.title).toBe('৪৫ মিনিট পর WhatsApp আবার চালু হয়েছে');
    expect(bengali.durationText).toBe('৪৫ মিনিট');
  });

  it('says again and update for reopened and updated incidents', () => {
    expect(buildAlert([event({ kind: 'reopened' })], EN).title).toBe('WhatsApp is down again');
    expect(buildAlert([event({ kind: 'updated', status: 'degraded' })], EN).title).toBe(
      'Update: WhatsApp is having problems',
    );
    expect(buildAlert([event({ kind: 'reopened' })], BN).title).toBe('WhatsApp আবার কাজ করছে না');
  });

  it('says a flapping service is unstable, in English and Bengali, with how often it changed', () => {
    const unstable: Evidence = {
      kind: 'unstable',
      monitorId: 'whatsapp-http',
      target: 'web.whatsapp.com',
      changes: 6,
      windowMs: 30 * 60_000,
    };
    const e = event({ kind: 'updated', status: 'degraded', severity: 'minor', evidence: [unstable] });
    expect(buildAlert([e], EN)).toMatchObject({
      title: 'Update: WhatsApp is unstable: it keeps going down and coming back',
      state: 'degraded',
      lines: ['web.whatsapp.com: unstable, changed state 6 times in 30 minutes'],
    });
    expect(buildAlert([e], BN)).toMatchObject({
      title: 'হালনাগাদ: WhatsApp অস্থির: বারবার বন্ধ হচ্ছে আর চালু হচ্ছে',
      lines: ['web.whatsapp.com: অস্থির, ৩০ মিনিট সময়ের মধ্যে ৬ বার অবস্থা বদলেছে'],
    });
    expect(buildAlert([{ ...e, kind: 'reopened' }], EN).title).toBe(
      'WhatsApp is unstable again: it keeps going down and coming back',
    );
    // Down by the other probes, the service is down: the flapping one is one more line.
    const downToo = event({ evidence: [unstable, probe503] });
    expect(buildAlert([downToo], EN)).toMatchObject({
      title: 'WhatsApp is down',
      lines: [
        'web.whatsapp.com: unstable, changed state 6 times in 30 minutes',
        'web.whatsapp.com: HTTP 503',
      ],
    });
  });

  it('says a grouped alert of flapping services is unstable, as a one-service alert does', () => {
    const unstable = (monitorId: string): Evidence => ({
      kind: 'unstable',
      monitorId,
      target: `${monitorId}.example`,
      changes: 6,
      windowMs: 30 * 60_000,
    });
    const flapping = (serviceId: string, serviceName: string): IncidentEvent =>
      event({
        serviceId,
        serviceName,
        status: 'degraded',
        severity: 'minor',
        evidence: [unstable(`${serviceId}-http`)],
      });
    const both = [flapping('whatsapp', 'WhatsApp'), flapping('instagram', 'Instagram')];
    expect(buildAlert(both, EN).title).toBe('Meta services: Instagram, WhatsApp unstable');
    expect(buildAlert(both, BN).title).toBe('Meta সার্ভিস: Instagram, WhatsApp অস্থির');
    // One of them degraded for another reason: the group title keeps the state.
    const mixed = [
      flapping('whatsapp', 'WhatsApp'),
      event({
        serviceId: 'instagram',
        serviceName: 'Instagram',
        status: 'degraded',
        severity: 'minor',
        evidence: [probe503],
      }),
    ];
    expect(buildAlert(mixed, EN).title).toBe('Meta services: Instagram, WhatsApp degraded');
  });

  it('closes an incident with no verdict left as no longer confirmed, not as back up', () => {
    const closed = event({ kind: 'resolved', status: 'unknown', severity: 'minor', at: T + 45 * 60_000 });
    expect(buildAlert([closed], EN).title).toBe(
      'WhatsApp: the problem is no longer confirmed (after 45 minutes); our checks give no verdict',
    );
    expect(buildAlert([closed], BN).title).toContain('আর নিশ্চিত নয়');
  });

  it('frames official lines in the chat language, replacing the English prefix of the sources', () => {
    const official: Evidence = {
      kind: 'official',
      monitorId: 'github-status',
      state: 'degraded',
      lines: ['GitHub says: Investigating — Incident with Actions', 'Partial outage — Webhooks'],
    };
    const github = event({ serviceId: 'github', serviceName: 'GitHub', group: null, evidence: [official] });
    expect(buildAlert([github], EN).lines).toEqual([
      'GitHub says: Investigating — Incident with Actions',
      'GitHub says: Partial outage — Webhooks',
    ]);
    expect(buildAlert([github], BN).lines[0]).toBe('GitHub জানিয়েছে: Investigating — Incident with Actions');
  });

  it('keeps only http(s) status page links', () => {
    expect(buildAlert([event()], { ...EN, statusPageUrl: 'javascript:alert(1)' }).links).toEqual([]);
    expect(buildAlert([event()], { ...EN, statusPageUrl: 'not a url' }).links).toEqual([]);
  });

  it('keeps names and lines on one printable line', () => {
    const alert = buildAlert(
      [event({ serviceName: 'Whats\nApp\u202e\u0000', evidence: [{ ...probe503, target: 'a\nb' }] })],
      EN,
    );
    expect(alert.title).toBe('Whats App  is down');
    expect(alert.lines).toEqual(['a b: HTTP 503']);
  });

  it('refuses an empty list of events', () => {
    expect(() => buildAlert([], EN)).toThrow();
  });
});

describe('buildAlert, several services', () => {
  const meta = [
    event({ serviceId: 'messenger', serviceName: 'Messenger', incidentId: 14 }),
    event({ evidence: [probe503] }),
    event({ serviceId: 'instagram', serviceName: 'Instagram', incidentId: 13 }),
  ];

  it('groups one group into one message, named after the group', () => {
    const alert = buildAlert(meta, { ...EN, groupNames: { meta: 'Meta' } });
    expect(alert.title).toBe('Meta services: Instagram, Messenger, WhatsApp down');
    expect(alert.lines).toEqual([
      'Instagram: down',
      'Messenger: down',
      'WhatsApp — web.whatsapp.com: HTTP 503',
    ]);
    expect(alert.grouped).toBe(true);
    expect(alert.incidentIds).toEqual([13, 14, 12]);
    expect(alert.footer).toBe('Incidents #13, #14, #12');
    expect(alert.buttons.map((b) => b.serviceId)).toEqual(['instagram', 'instagram']);
    expect(buildAlert(meta, BN).title).toBe('Meta সার্ভিস: Instagram, Messenger, WhatsApp কাজ করছে না');
  });

  it('names the worst state in the title and the others in the lines', () => {
    const mixed = [
      event({ serviceId: 'github', serviceName: 'GitHub', group: null, status: 'degraded' }),
      event({ group: null }),
    ];
    const alert = buildAlert(mixed, EN);
    expect(alert.title).toBe('1 service down: WhatsApp; 1 other service affected');
    expect(buildAlert(mixed, BN).title).toBe('১টি সার্ভিস কাজ করছে না: WhatsApp; আরও ১টি সার্ভিসে সমস্যা');
    expect(alert.lines).toEqual(['WhatsApp: down', 'GitHub: degraded']);
    expect(alert.state).toBe('down');
  });

  it('reports a group recovery with the longest duration', () => {
    const back = meta.map((e, i) => ({
      ...e,
      kind: 'resolved' as const,
      status: 'up' as const,
      durationMs: (i + 1) * 60_000,
    }));
    const alert = buildAlert(back, EN);
    expect(alert.title).toBe('Meta services back up: Instagram, Messenger, WhatsApp (after 3 minutes)');
    expect(alert.state).toBe('up');
    expect(alert.buttons).toEqual([]);
  });

  it('uses the latest event of a service when it appears twice', () => {
    const later = event({ kind: 'resolved', status: 'up', at: T + 60_000 });
    const alert = buildAlert([event(), later], EN);
    expect(alert.grouped).toBe(false);
    expect(alert.title).toBe('WhatsApp is back up after 1 minute');
  });
});

describe('describeEvidence', () => {
  it.each(OUTCOME_REASONS)('has a non-empty line for reason %s in both languages', (reason) => {
    const evidence: Evidence = {
      kind: 'probe',
      monitorId: 'm',
      target: 'example.com',
      state: 'down',
      reason,
      message: 'x',
    };
    for (const locale of ['en', 'bn'] as const) {
      const [line] = describeEvidence([evidence], 'Example', messagesFor(locale));
      expect(line).toMatch(/^example\.com: \S/);
    }
  });

  it('adds the probe detail where the reason alone says too little', () => {
    const assertion: Evidence = { ...probe503, reason: 'assertion', message: 'keyword "ok" not found' };
    expect(describeEvidence([assertion], 'WhatsApp', messagesFor('en'))).toEqual([
      'web.whatsapp.com: unexpected page content (keyword "ok" not found)',
    ]);
  });

  it("says the probe's facts in each language, not its English message", () => {
    const probe = (reason: OutcomeReason, message: string, facts: OutcomeFacts): Evidence => ({
      ...probe503,
      reason,
      message,
      facts,
    });
    const evidence = [
      probe('http-status', 'HTTP 503', { statusCode: 503 }),
      probe('timeout', 'no answer within 10000 ms', { timeoutMs: 10_000 }),
      probe('tls-expiring', 'certificate expires in 3 days (Dec 10 2026)', { daysLeft: 3 }),
      probe('redirects', 'more than 5 redirects', { statusCode: 302, maxRedirects: 5 }),
      probe('missed-heartbeat', 'no ping for 12 minutes (period 5 minutes, grace 1 minute)', {
        silentMs: 12 * 60_000,
      }),
    ];
    expect(describeEvidence(evidence, 'WhatsApp', messagesFor('en'))).toEqual([
      'web.whatsapp.com: HTTP 503',
      'web.whatsapp.com: timed out after 10 seconds',
      'web.whatsapp.com: certificate expires in 3 days',
      'web.whatsapp.com: more than 5 redirects',
      'web.whatsapp.com: no heartbeat for 12 minutes',
    ]);
    const bn = describeEvidence(evidence, 'WhatsApp', messagesFor('bn'));
    expect(bn[0]).toBe('web.whatsapp.com: HTTP ৫০৩');
    expect(bn.slice(1).every((line) => /[০-৯]/.test(line) && !/[0-9]/.test(line.slice(17)))).toBe(true);
    expect(bn.join('\n')).not.toMatch(/no answer|certificate|redirects|no ping/);
  });

  it('says from how many locations a service was seen down, in each language, only when several voted', () => {
    const voted = (vantages: { down: number; of: number } | undefined): Evidence => ({
      ...probe503,
      facts: vantages === undefined ? { statusCode: 503 } : { statusCode: 503, vantages },
    });
    const evidence = [
      voted({ down: 2, of: 3 }),
      voted({ down: 1, of: 4 }),
      voted({ down: 1, of: 1 }),
      voted(undefined),
    ];
    expect(describeEvidence(evidence, 'WhatsApp', messagesFor('en'))).toEqual([
      'web.whatsapp.com: HTTP 503, down from 2 of 3 locations',
      'web.whatsapp.com: HTTP 503, down from 1 of 4 locations',
      'web.whatsapp.com: HTTP 503',
      'web.whatsapp.com: HTTP 503',
    ]);
    expect(describeEvidence(evidence, 'WhatsApp', messagesFor('bn'))).toEqual([
      'web.whatsapp.com: HTTP ৫০৩, ৩টি জায়গার মধ্যে ২টি থেকে বন্ধ দেখা গেছে',
      'web.whatsapp.com: HTTP ৫০৩, ৪টি জায়গার মধ্যে ১টি থেকে বন্ধ দেখা গেছে',
      'web.whatsapp.com: HTTP ৫০৩',
      'web.whatsapp.com: HTTP ৫০৩',
    ]);
    expect(describeEvidence(evidence, 'WhatsApp', messagesFor('hi'))).toEqual([
      'web.whatsapp.com: HTTP ५०३, ३ में से २ जगहों से बंद दिखा',
      'web.whatsapp.com: HTTP ५०३, ४ में से १ जगह से बंद दिखा',
      'web.whatsapp.com: HTTP ५०३',
      'web.whatsapp.com: HTTP ५०३',
    ]);
    // A fused outcome degraded by slow answers: no location saw it down, nothing to say.
    const slow: Evidence = {
      ...probe503,
      state: 'degraded',
      reason: 'slow',
      facts: { vantages: { down: 0, of: 3 } },
    };
    expect(describeEvidence([slow], 'WhatsApp', messagesFor('en'))).toEqual([
      'web.whatsapp.com: slow to answer',
    ]);
    // In the alert itself, in every language the bot speaks.
    const alert = buildAlert([event({ evidence: [voted({ down: 3, of: 3 })] })], EN);
    expect(alert.lines).toContain('web.whatsapp.com: HTTP 503, down from 3 of 3 locations');
  });

  it('reads evidence stored before probes gave facts: the reason, then the English message', () => {
    // An incident's evidence_json as older versions stored it: a probe line without `facts`.
    const stored = JSON.parse(
      '[{"kind":"probe","monitorId":"w","target":"web.whatsapp.com","state":"down","reason":"http-status","message":"HTTP 503"},' +
        '{"kind":"probe","monitorId":"d","target":"g.whatsapp.net","state":"down","reason":"dns-timeout","message":"no answer within 2000 ms"},' +
        '{"kind":"probe","monitorId":"t","target":"whatsapp.com","state":"degraded","reason":"tls-expiring","message":"certificate expires in 3 days"}]',
    ) as Evidence[];
    expect(describeEvidence(stored, 'WhatsApp', messagesFor('en'))).toEqual([
      'web.whatsapp.com: unexpected HTTP status (HTTP 503)',
      'g.whatsapp.net: DNS: no answer (no answer within 2000 ms)',
      'whatsapp.com: certificate expires soon',
    ]);
    const alert = buildAlert([event({ evidence: stored })], BN);
    expect(alert.lines[0]).toBe('web.whatsapp.com: অপ্রত্যাশিত HTTP স্ট্যাটাস (HTTP 503)');
  });

  it('says nothing for a crowd at level none and reads an unknown problem kind as other', () => {
    const m = messagesFor('en');
    expect(describeEvidence([{ kind: 'crowd', level: 'none', reporters: 3 }], 'X', m)).toEqual([]);
    const odd: Evidence = {
      kind: 'crowd',
      level: 'possible',
      reporters: 1,
      topProblem: { kind: 'weird', share: 1 },
    };
    expect(describeEvidence([odd], 'X', m)).toEqual([
      '1 user report, more than usual',
      '100% of reports: other problems',
    ]);
  });
});

describe('button payloads', () => {
  it('names the service directly when it fits', () => {
    expect(buttonPayload('report', 'whatsapp', 64)).toBe('r:whatsapp');
    expect(buttonPayload('mute', 'whatsapp', 64)).toBe('m:whatsapp');
    expect(parseButtonPayload('m:whatsapp', ['whatsapp'])).toEqual({ kind: 'mute', serviceId: 'whatsapp' });
  });

  it('hashes an id too long for the limit, and resolves the hash against known ids', () => {
    const long = 'a'.repeat(63);
    const bengali = 'সার্ভিস'.repeat(4); // 28 characters, 84 UTF-8 bytes
    for (const id of [long, bengali]) {
      const payload = buttonPayload('report', id, 64);
      expect(new TextEncoder().encode(payload).length).toBeLessThanOrEqual(64);
      expect(payload).toMatch(/^r#[0-9a-z]+$/);
      expect(parseButtonPayload(payload, ['whatsapp', id])).toEqual({ kind: 'report', serviceId: id });
    }
  });

  it('rejects payloads that are not ours or name no known service', () => {
    expect(parseButtonPayload('r:github', ['whatsapp'])).toBeNull();
    expect(parseButtonPayload('x:whatsapp', ['whatsapp'])).toBeNull();
    expect(parseButtonPayload('report', ['whatsapp'])).toBeNull();
    expect(parseButtonPayload('r#zzz', ['whatsapp'])).toBeNull();
  });
});
