import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ServiceIndex, compactKey, editDistance } from '../../../src/core/commands/service-resolver.js';
import { SERVICES } from './harness.js';

const index = new ServiceIndex([
  ...SERVICES,
  { id: 'whatsapp-business', name: 'WhatsApp Business' },
  { id: 'cloudflare', name: 'Cloudflare' },
  { id: 'crème', name: 'Crème Brûlée Status' },
]);

describe('resolve', () => {
  it.each([
    ['whatsapp', 'whatsapp'],
    ['WhatsApp', 'whatsapp'],
    ['WA', 'whatsapp'],
    ['whatsapp business', 'whatsapp-business'],
    ['WhatsApp-Business', 'whatsapp-business'],
    ['creme brulee status', 'crème'],
    ['crème', 'crème'],
    ['Git\u200bHub', 'github'],
    ['\u202egithub', 'github'],
  ])('%j is %s', (given, id) => {
    const r = index.resolve(given);
    expect(r.kind === 'service' ? r.service.id : r.kind).toBe(id);
  });

  it.each(['all', 'ALL', ' All '])('%j is every service', (given) => {
    expect(index.resolve(given)).toEqual({ kind: 'all' });
  });

  it.each([
    ['whatsap', ['WhatsApp', 'WhatsApp Business']],
    ['githbu', ['GitHub']],
    ['cloud', ['Cloudflare', 'Google Cloud']],
    ['insta', ['Instagram']],
    ['', []],
    ['q', []],
    ['zzzzzzzzzz', []],
  ])('%j is unknown, closest first: %j', (given, suggestions) => {
    expect(index.resolve(given)).toEqual({ kind: 'unknown', suggestions });
  });

  it('suggests at most three names', () => {
    const many = new ServiceIndex(
      Array.from({ length: 10 }, (_, i) => ({ id: `svc${i}`, name: `Service ${i}` })),
    );
    const r = many.resolve('service');
    expect(r.kind === 'unknown' && r.suggestions.length).toBe(3);
  });

  it('never throws and stays fast on long or strange input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 3000 }), (given) => {
        const r = index.resolve(given);
        expect(['all', 'service', 'unknown']).toContain(r.kind);
      }),
      { numRuns: 300 },
    );
  });
});

describe('autocomplete', () => {
  it('lists the services in order for an empty query, at most 25', () => {
    const many = new ServiceIndex(Array.from({ length: 40 }, (_, i) => ({ id: `s${i}`, name: `S ${i}` })));
    expect(many.autocomplete('')).toHaveLength(25);
    expect(many.autocomplete('', 3)).toEqual([
      { id: 's0', name: 'S 0' },
      { id: 's1', name: 'S 1' },
      { id: 's2', name: 'S 2' },
    ]);
    expect(many.autocomplete('', 100)).toHaveLength(25);
  });

  it('puts prefix matches first, then names containing the text, then close spellings', () => {
    expect(index.autocomplete('wh').map((s) => s.id)).toEqual(['whatsapp', 'whatsapp-business']);
    expect(index.autocomplete('cloud').map((s) => s.id)).toEqual(['cloudflare', 'google-cloud']);
    expect(index.autocomplete('gthub').map((s) => s.id)).toEqual(['github']);
  });

  it('returns only {id, name}', () => {
    expect(index.autocomplete('wa', 1)).toEqual([{ id: 'whatsapp', name: 'WhatsApp' }]);
  });
});

describe('compactKey and editDistance', () => {
  it('drops case, accents, spacing, punctuation and invisible characters', () => {
    expect(compactKey(' Crème-Brûlée\u200b Status ')).toBe('cremebruleestatus');
  });

  it.each([
    ['', '', 0],
    ['abc', 'abc', 0],
    ['abc', 'acb', 1],
    ['kitten', 'sitting', 3],
    ['github', '', 6],
  ])('distance(%j, %j) = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});
