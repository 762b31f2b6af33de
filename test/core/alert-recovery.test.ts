/**
 * Recoveries of an outage that eased before it ended say it was down at its worst (the store puts
 * the incident's worst severity on the recovery), single and grouped, in both languages.
 */
import { describe, expect, it } from 'vitest';
import { type AlertContext, buildAlert } from '../../src/core/alert-message.js';
import type { IncidentEvent } from '../../src/core/events.js';

const T = Date.UTC(2026, 11, 7, 8, 0);
const EN: AlertContext = { locale: 'en', timeZone: 'UTC' };
const BN: AlertContext = { locale: 'bn', timeZone: 'UTC' };

function recovery(serviceName: string, overrides: Partial<IncidentEvent> = {}): IncidentEvent {
  return {
    kind: 'resolved',
    incidentId: serviceName.length,
    serviceId: serviceName.toLowerCase(),
    serviceName,
    group: 'meta',
    severity: 'minor',
    status: 'up',
    startedAt: T,
    at: T + 120_000,
    durationMs: 120_000,
    evidence: [],
    ...overrides,
  };
}

describe('the recovery of an outage that eased before it ended', () => {
  it('says a single service was down at its worst', () => {
    const eased = recovery('WhatsApp', { worstSeverity: 'major' });
    expect(buildAlert([eased], EN)).toMatchObject({
      title: 'WhatsApp is back up after 2 minutes',
      lines: ['At its worst: down'],
    });
    expect(buildAlert([eased], BN).lines).toEqual(['সবচেয়ে খারাপ অবস্থায়: বন্ধ']);
  });

  it('says nothing more when it ended as it peaked, or when the worst is not known', () => {
    expect(
      buildAlert([recovery('WhatsApp', { severity: 'major', worstSeverity: 'major' })], EN).lines,
    ).toEqual([]);
    expect(buildAlert([recovery('WhatsApp', { worstSeverity: 'minor' })], EN).lines).toEqual([]);
    expect(buildAlert([recovery('WhatsApp')], EN).lines).toEqual([]);
  });

  it('names the services of a grouped recovery that were down at their worst', () => {
    const back = [
      recovery('Instagram', { worstSeverity: 'major' }),
      recovery('Messenger', { worstSeverity: 'minor' }),
      recovery('WhatsApp', { worstSeverity: 'major' }),
    ];
    const english = buildAlert(back, EN);
    expect(english.title).toBe('Meta services back up: Instagram, Messenger, WhatsApp (after 2 minutes)');
    expect(english.lines).toEqual([
      'Instagram is back up after 2 minutes',
      'Messenger is back up after 2 minutes',
      'WhatsApp is back up after 2 minutes',
      'Down at their worst: Instagram, WhatsApp',
    ]);
    expect(buildAlert(back, BN).lines.at(-1)).toBe('সবচেয়ে খারাপ অবস্থায় বন্ধ ছিল: Instagram, WhatsApp');
  });
});
