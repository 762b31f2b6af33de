/**
 * `/watch`'s component autocomplete rule: what is typed filters the page's names (any case), the
 * last comma-separated name is the one completed, values fit Discord's 100 characters, at most 25.
 */
import { describe, expect, it } from 'vitest';
import { componentChoices } from '../../../src/core/commands/component-completion.js';

const PAGE = ['Git Operations', 'API Requests', 'Webhooks', 'Issues', 'Actions', 'Pages'];
const values = (typed: string, names: readonly string[] = PAGE, limit?: number) =>
  componentChoices(typed, names, limit).map((c) => c.value);

describe('componentChoices', () => {
  it('offers every name in the page order when nothing is typed', () => {
    expect(values('')).toEqual(PAGE);
    expect(componentChoices('', ['Webhooks'])).toEqual([{ name: 'Webhooks', value: 'Webhooks' }]);
  });

  it('filters case-insensitively, names starting with the text before names containing it', () => {
    expect(values('api')).toEqual(['API Requests']);
    expect(values('  PAG')).toEqual(['Pages']);
    expect(values('a')).toEqual(['API Requests', 'Actions', 'Git Operations', 'Pages']);
    expect(values('ion')).toEqual(['Git Operations', 'Actions']);
    expect(values('nothing like it')).toEqual([]);
  });

  it('completes the last comma-separated name, keeping the earlier ones in the page spelling', () => {
    expect(values('git operations, api')).toEqual(['Git Operations, API Requests']);
    expect(values('Git Operations,')).toEqual(PAGE.slice(1).map((n) => `Git Operations, ${n}`));
    // A name already chosen is not offered again; an unknown earlier name is kept as typed.
    expect(values('Webhooks, Nope, w')).toEqual([]);
    expect(values('Webhooks, Nope, i')).toEqual([
      'Webhooks, Nope, Issues',
      'Webhooks, Nope, Git Operations',
      'Webhooks, Nope, API Requests',
      'Webhooks, Nope, Actions',
    ]);
  });

  it('leaves out values over 100 characters and names that hold a comma', () => {
    const long = 'L'.repeat(90);
    expect(values(`${long}, `, [long, 'Short', 'Much longer than ten'])).toEqual([`${long}, Short`]);
    expect(values('', ['A, B', 'C'])).toEqual(['C']);
    expect(values('', ['x'.repeat(101)])).toEqual([]);
  });

  it('offers at most 25, fewer when asked', () => {
    const many = Array.from({ length: 40 }, (_, i) => `Region ${i + 1}`);
    expect(values('', many)).toHaveLength(25);
    expect(values('region', many, 3)).toEqual(['Region 1', 'Region 2', 'Region 3']);
    expect(values('', many, 99)).toHaveLength(25);
  });

  it('offers untrusted names as one line of plain text, each once', () => {
    const names = ['<b>API</b>', 'Line\nbreak\u202e', '  ', 'api', '<B>api</B>', '@everyone'];
    expect(values('', names)).toEqual(['<b>API</b>', 'Line break', 'api', '@everyone']);
  });
});
