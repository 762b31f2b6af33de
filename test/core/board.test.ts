/**
 * The live board (`/board`), pure: which services it lists and in what order, how it is cut to a
 * platform's limit, what a retired board says, and that it speaks the chat's language and digits.
 */
import { describe, expect, it } from 'vitest';
import {
  BOARD_FOOTER_RESERVE_CHARS,
  type StoredServiceState,
  boardEntries,
  renderBoard,
  retiredBoard,
} from '../../src/core/board.js';
import { ALL_SERVICES } from '../../src/core/delivery/ports.js';
import { messagesFor } from '../../src/core/i18n/index.js';

const T0 = Date.UTC(2021, 2, 19, 17, 15, 0);
const CATALOGUE = [
  { id: 'whatsapp', name: 'WhatsApp' },
  { id: 'instagram', name: 'Instagram' },
  { id: 'github', name: 'GitHub' },
  { id: 'discord', name: 'Discord' },
];
const STATES: ReadonlyMap<string, StoredServiceState> = new Map([
  ['whatsapp', { status: 'down', since: T0 }],
  ['instagram', { status: 'degraded', since: T0 + 60_000 }],
  ['github', { status: 'up', since: T0 - 86_400_000 }],
  ['discord', { status: 'maintenance', since: T0 }],
]);
const en = messagesFor('en');

describe('boardEntries', () => {
  it('lists every catalogue service for an "all" subscription, problems first', () => {
    expect(boardEntries([ALL_SERVICES], CATALOGUE, STATES).map((e) => [e.name, e.state])).toEqual([
      ['WhatsApp', 'down'],
      ['Instagram', 'degraded'],
      ['Discord', 'maintenance'],
      ['GitHub', 'up'],
    ]);
  });

  it('lists only the subscribed services, an unknown one by its id with no state yet', () => {
    const entries = boardEntries(['github', 'my-shop', 'whatsapp'], CATALOGUE, STATES);
    expect(entries).toEqual([
      { name: 'WhatsApp', state: 'down', since: T0 },
      { name: 'my-shop', state: 'unknown', since: null },
      { name: 'GitHub', state: 'up', since: T0 - 86_400_000 },
    ]);
  });

  it('lists nothing for a chat subscribed to nothing', () => {
    expect(boardEntries([], CATALOGUE, STATES)).toEqual([]);
  });
});

describe('renderBoard', () => {
  it('says each state with its start in the chat’s time zone, and that it is kept up to date', () => {
    const text = renderBoard(boardEntries([ALL_SERVICES], CATALOGUE, STATES), en, 'Asia/Dhaka', 4096);
    const lines = text.split('\n');
    expect(lines[0]).toBe(en.board.title());
    expect(lines[1]).toMatch(/^🔴 WhatsApp: down since .*11:15/);
    expect(lines[4]).toMatch(/^✅ GitHub: operational since /);
    expect(lines.at(-1)).toBe(en.board.live());
  });

  it('cuts a long board with "and N more", keeping room for the retired footer, problems kept', () => {
    const many = Array.from({ length: 300 }, (_, i) => ({ id: `s${i}`, name: `Service number ${i}` }));
    const states = new Map<string, StoredServiceState>([['s299', { status: 'down', since: T0 }]]);
    const max = 2000;
    const text = renderBoard(boardEntries([ALL_SERVICES], many, states), en, 'UTC', max);
    expect(text.length).toBeLessThanOrEqual(max - BOARD_FOOTER_RESERVE_CHARS);
    expect(text.split('\n')[1]).toContain('Service number 299: down');
    const shown = text.split('\n').filter((l) => l.includes('Service number')).length;
    expect(text).toContain(en.alert.moreLines({ count: 300 - shown }));
    expect(text.endsWith(en.board.live())).toBe(true);
    expect(retiredBoard(text, 'off', en).length).toBeLessThanOrEqual(max);
  });

  it('keeps an untrusted name on its own line (the renderers escape it)', () => {
    const hostile = [{ id: 'x', name: '<b>@everyone</b>\nforged line' }];
    const text = renderBoard(boardEntries(['x'], hostile, new Map()), en, 'UTC', 4096);
    expect(text).toContain('<b>@everyone</b> forged line: unknown');
    expect(text.split('\n')).toHaveLength(3);
  });

  it('says how to subscribe when the chat lists nothing', () => {
    expect(renderBoard([], en, 'UTC', 4096)).toBe(`${en.board.title()}\n${en.board.empty()}`);
  });

  it('writes Bengali and Devanagari digits', () => {
    const entries = boardEntries(['whatsapp'], CATALOGUE, STATES);
    expect(renderBoard(entries, messagesFor('bn'), 'Asia/Dhaka', 4096)).toMatch(/[০-৯]/);
    expect(renderBoard(entries, messagesFor('hi'), 'Asia/Kolkata', 4096)).toMatch(/[०-९]/);
    expect(renderBoard(entries, messagesFor('hi'), 'Asia/Kolkata', 4096)).not.toMatch(/[0-9]/);
  });
});

describe('retiredBoard', () => {
  it('replaces the "kept up to date" line with why it stopped', () => {
    const text = renderBoard(boardEntries(['whatsapp'], CATALOGUE, STATES), en, 'UTC', 4096);
    const moved = retiredBoard(text, 'moved', en);
    expect(moved).not.toContain(en.board.live());
    expect(moved.endsWith(en.board.moved())).toBe(true);
    expect(retiredBoard(text, 'off', en).endsWith(en.board.stopped())).toBe(true);
  });
});
