import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OutcomeReason } from '../../src/core/model.js';
import { formatSummary } from '../../src/demo/replay-cli.js';
import { runReplay, type ReplayResult } from '../../src/demo/replay.js';
import { dnsAnswer, statusPageJson } from '../../src/demo/replay-targets.js';
import { loadScenario } from '../../src/demo/scenario.js';
import { summarize, type ReplaySummary } from '../../src/demo/summary.js';

const EVERY_FAILURE = join(
  dirname(fileURLToPath(import.meta.url)),
  '../fixtures/scenarios/every-failure/scenario.json',
);

/**
 * Each failure a stand-in can play, seen through the real probe it is meant for: the reason the
 * probe gives is the one a real outage of that kind gives.
 */
const EXPECTED: Readonly<Record<string, { reason: OutcomeReason; text: RegExp }>> = {
  'http-status': { reason: 'http-status', text: /HTTP 503/ },
  'http-reset': { reason: 'reset', text: /ECONNRESET|reset/i },
  'http-stall': { reason: 'timeout', text: /no answer|timed out/ },
  'dns-servfail': { reason: 'dns-servfail', text: /SERVFAIL|server failure/ },
  'dns-nxdomain': { reason: 'dns-nxdomain', text: /NXDOMAIN|no such domain/ },
  'dns-timeout': { reason: 'dns-timeout', text: /no answer|timed out/ },
  'tls-bad-cert': { reason: 'tls', text: /self-signed/ },
  'tls-handshake': { reason: 'tls', text: /handshake/ },
};

describe('every stand-in failure through the real replay', () => {
  let result: ReplayResult;
  let summary: ReplaySummary;

  beforeAll(async () => {
    result = await runReplay({ scenario: loadScenario(EVERY_FAILURE) });
    summary = summarize(result);
  }, 120_000);

  it.each(Object.entries(EXPECTED))('%s fails the way its probe reports it', (serviceId, expected) => {
    const opening = result.events.find((e) => e.serviceId === serviceId && e.kind === 'opened');
    expect(opening?.status).toBe('down');
    const probe = opening?.evidence.find((e) => e.kind === 'probe');
    expect(probe?.kind === 'probe' ? probe.reason : null).toBe(expected.reason);
    expect(probe?.kind === 'probe' ? probe.message : '').toMatch(expected.text);
  });

  it('reads a critical status page as the service down, with its incident', () => {
    const opening = result.events.find((e) => e.serviceId === 'status-critical' && e.kind === 'opened');
    expect(opening?.status).toBe('down');
    const official = opening?.evidence.find((e) => e.kind === 'official');
    expect(official?.kind === 'official' ? official.lines.join(' ') : '').toContain('API unavailable');
  });

  it('alerts each failure within two intervals and 30 s and sees it recover after its end', () => {
    expect(summary.outages).toHaveLength(Object.keys(EXPECTED).length + 1);
    for (const outage of summary.outages) {
      expect(outage.alertedAt, outage.serviceId).not.toBeNull();
      expect(outage.alertedAt! - outage.trouble.from).toBeLessThanOrEqual(2 * 60_000 + 30_000);
      expect(outage.resolvedAt, outage.serviceId).not.toBeNull();
      expect(outage.resolvedAt!).toBeGreaterThanOrEqual(outage.trouble.to);
      expect(outage.resolvedAt! - outage.trouble.to).toBeLessThanOrEqual(2 * 60_000 + 30_000);
    }
  });

  it('keeps the service whose HTTP, DNS, TLS and status page stand-ins stay ok quiet', () => {
    expect(result.events.filter((e) => e.serviceId === 'quiet')).toEqual([]);
    expect(summary.falseAlerts).toEqual([]);
    expect(summary.incidents.every((incident) => incident.resolvedAt !== null)).toBe(true);
  });

  it('counts what each chat received as new messages and edits', () => {
    expect(summary.chats.map((c) => c.chatId)).toEqual(['ops-en', 'ops-bn']);
    for (const chat of summary.chats) {
      const own = result.messages.filter((m) => m.chatId === chat.chatId);
      expect(chat.newMessages + chat.edits).toBe(own.length);
      expect(chat.newMessages).toBeGreaterThan(0);
    }
  });

  it('prints the summary: first alert, each window, each chat, no false alert, the quiet service', () => {
    const lines = formatSummary(result);
    expect(lines[0]).toBe('Summary');
    expect(lines[1]).toMatch(
      /^ {2}first alert: 10:1[5-7] UTC in ops-(en|bn), (1m|1m \d+s|\d+s) after the scripted trouble began$/,
    );
    for (const serviceId of Object.keys(EXPECTED)) {
      const line = lines.find((l) => l.startsWith(`  ${serviceId} trouble `));
      expect(line, serviceId).toMatch(
        /: alerted \S+ after it began; recovery 10:\d\d UTC \(\S+ after the scripted end\), incident /,
      );
    }
    for (const chat of summary.chats) {
      expect(lines).toContain(`  ${chat.chatId}: ${chat.newMessages} new message(s), ${chat.edits} edit(s)`);
    }
    expect(lines).toContain('  false alerts: none');
    expect(lines).toContain('  no alert, as scripted: Always fine');
    expect(lines.some((l) => l.includes('NOT ALERTED') || l.includes('FALSE ALERT'))).toBe(false);
  });
});

describe('the DNS stand-in', () => {
  /** A query for `name` (type A, RD set), as a stub resolver sends it. */
  function query(name: string, type = 1): Buffer {
    const labels = name
      .split('.')
      .map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)]));
    const header = Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    const tail = Buffer.from([0, type >> 8, type & 0xff, 0, 1]);
    return Buffer.concat([header, ...labels, tail]);
  }
  const table = (name: string) =>
    ({
      'ok.example': { state: 'ok', address: '10.1.2.3' },
      'fail.example': { state: 'servfail', address: '127.0.0.1' },
      'slow.example': { state: 'timeout', address: '127.0.0.1' },
    })[name] as { state: 'ok' | 'servfail' | 'timeout'; address: string } | undefined;

  it('answers an A query with the address, keeping the id and question', () => {
    const reply = dnsAnswer(query('OK.example'), table);
    expect(reply).not.toBeNull();
    expect(reply!.readUInt16BE(0)).toBe(0x1234);
    expect(reply![2]! & 0x80).toBe(0x80); // a response
    expect(reply![3]! & 0x0f).toBe(0); // NOERROR
    expect(reply!.readUInt16BE(6)).toBe(1); // one answer
    expect([...reply!.subarray(reply!.length - 4)]).toEqual([10, 1, 2, 3]);
  });

  it('answers SERVFAIL, NXDOMAIN for unknown names, no records for other types, nothing on timeout', () => {
    expect(dnsAnswer(query('fail.example'), table)![3]! & 0x0f).toBe(2);
    expect(dnsAnswer(query('nobody.example'), table)![3]! & 0x0f).toBe(3);
    const aaaa = dnsAnswer(query('ok.example', 28), table)!;
    expect([aaaa[3]! & 0x0f, aaaa.readUInt16BE(6)]).toEqual([0, 0]);
    expect(dnsAnswer(query('slow.example'), table)).toBeNull();
    expect(dnsAnswer(Buffer.from([1, 2, 3]), table)).toBeNull();
  });
});

describe('the status page stand-in', () => {
  it('serves a Statuspage summary with the scripted indicator, components and incidents', () => {
    const at = Date.parse('2021-06-08T09:58:00Z');
    const page = JSON.parse(
      statusPageJson(
        'fastly-status',
        {
          indicator: 'major',
          components: [{ name: 'Europe', status: 'major_outage' }],
          incidents: [{ name: 'Disruption', status: 'investigating', impact: 'major', update: 'Looking.' }],
        },
        at,
      ),
    ) as {
      status: { indicator: string };
      components: { name: string; status: string }[];
      incidents: { name: string; status: string; incident_updates: { body: string }[]; updated_at: string }[];
    };
    expect(page.status.indicator).toBe('major');
    expect(page.components).toEqual([{ id: 'c0', name: 'Europe', status: 'major_outage' }]);
    expect(page.incidents[0]).toMatchObject({ name: 'Disruption', status: 'investigating' });
    expect(page.incidents[0]?.incident_updates[0]?.body).toBe('Looking.');
    expect(page.incidents[0]?.updated_at).toBe('2021-06-08T09:58:00.000Z');
  });
});
