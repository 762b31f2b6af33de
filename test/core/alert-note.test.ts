/** A `/note`'s `updated` event shows the note in the alert, in the chat's language, as plain text. */
import { describe, expect, it } from 'vitest';
import { buildAlert } from '../../src/core/alert-message.js';
import type { IncidentEvent } from '../../src/core/events.js';

const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);
const noted: IncidentEvent = {
  kind: 'updated',
  incidentId: 12,
  serviceId: 'github',
  serviceName: 'GitHub',
  group: null,
  severity: 'major',
  status: 'down',
  startedAt: T0,
  at: T0 + 60_000,
  evidence: [],
  note: { authorName: 'Ana', mark: 'identified', text: '<b>bad deploy</b>\nrolled back' },
};

describe('an alert with a note', () => {
  it('has the note as a line, in every language, with the mark in words', () => {
    const ctx = { timeZone: 'UTC' } as const;
    expect(buildAlert([noted], { ...ctx, locale: 'en' }).lines).toEqual([
      'Note (identified): <b>bad deploy</b> rolled back',
    ]);
    expect(buildAlert([noted], { ...ctx, locale: 'bn' }).lines).toEqual([
      'নোট (কারণ চিহ্নিত): <b>bad deploy</b> rolled back',
    ]);
    expect(
      buildAlert([{ ...noted, note: { authorName: 'Ana', mark: null, text: 'x' } }], { ...ctx, locale: 'hi' })
        .lines,
    ).toEqual(['नोट: x']);
  });

  it('names the service of the note in a grouped alert', () => {
    const other: IncidentEvent = { ...noted, incidentId: 13, serviceId: 'gitlab', serviceName: 'GitLab' };
    delete (other as { note?: unknown }).note;
    const lines = buildAlert([noted, other], { timeZone: 'UTC', locale: 'en' }).lines;
    expect(lines.some((l) => l.includes('GitHub') && l.includes('Note (identified)'))).toBe(true);
  });
});
