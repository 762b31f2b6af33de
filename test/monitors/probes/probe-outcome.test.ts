/** Probe outcomes carry their facts bounded like their message: finite numbers, short plain text. */
import { describe, expect, it } from 'vitest';
import type { OutcomeFacts } from '../../../src/core/model.js';
import {
  MAX_MESSAGE_CHARS,
  boundedFacts,
  degradedOutcome,
  downOutcome,
  unknownOutcome,
  upOutcome,
} from '../../../src/monitors/probes/probe-outcome.js';

const EVERY_FACT: Required<OutcomeFacts> = {
  statusCode: 503,
  timeoutMs: 10_000,
  bytes: 1_048_576,
  maxRedirects: 5,
  daysLeft: -2,
  certExpiresAt: Date.UTC(2026, 11, 1),
  silentMs: 720_000,
  errorCode: 'CERT_HAS_EXPIRED',
  expected: { kind: 'keyword', value: 'All systems operational' },
  vantages: { down: 2, of: 3 },
};

describe('probe outcome facts', () => {
  it('keeps every fact of the closed set as it is when it is in bounds', () => {
    expect(boundedFacts(EVERY_FACT)).toEqual(EVERY_FACT);
    expect(downOutcome('http-status', 'HTTP 503', 12, EVERY_FACT).facts).toEqual(EVERY_FACT);
  });

  it('drops numbers that are not finite, which JSON would store as null', () => {
    const outcome = degradedOutcome('tls-expiring', 'certificate expires soon', 5, {
      daysLeft: Number.NaN,
      certExpiresAt: Number.POSITIVE_INFINITY,
      statusCode: 200,
    });
    expect(outcome.facts).toEqual({ statusCode: 200 });
    expect(JSON.parse(JSON.stringify(outcome)).facts).toEqual({ statusCode: 200 });
  });

  it('makes a text fact one plain line of limited length, as the message is', () => {
    const { facts } = unknownOutcome('assertion', 'keyword not found', 5, {
      expected: { kind: 'regex', value: `/a\nb/${'x'.repeat(1000)}` },
      errorCode: `E${'X'.repeat(500)}\r\n`,
    });
    expect(facts?.expected?.kind).toBe('regex');
    expect(facts?.expected?.value).toMatch(/^\/a b\/x+…$/);
    expect(facts?.expected?.value.length).toBe(MAX_MESSAGE_CHARS);
    expect(facts?.errorCode?.length).toBeLessThanOrEqual(64);
    expect(facts?.errorCode).not.toMatch(/[\r\n]/);
  });

  it('keeps a vantage count only when it is one: whole numbers, down at most of', () => {
    const counted = (down: number, of: number) =>
      boundedFacts({ statusCode: 503, vantages: { down, of } }).vantages ?? null;
    expect(counted(0, 3)).toEqual({ down: 0, of: 3 });
    expect(counted(4, 3)).toBeNull();
    expect(counted(-1, 3)).toBeNull();
    expect(counted(1.5, 3)).toBeNull();
    expect(counted(1, Number.NaN)).toBeNull();
  });

  it('has no facts field when none is left', () => {
    expect(upOutcome('HTTP 200', 5, {})).not.toHaveProperty('facts');
    expect(upOutcome('HTTP 200', 5, { daysLeft: Number.NaN })).not.toHaveProperty('facts');
    expect(upOutcome('HTTP 200', 5)).not.toHaveProperty('facts');
  });
});
