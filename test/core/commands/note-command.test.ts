/**
 * `/note`: who may note what (operators any service, a community's admins its own monitors'
 * services), how the words split into mark and text, and bad input answered in the chat's language.
 */
import { describe, expect, it } from 'vitest';
import { parseCommandText } from '../../../src/core/commands/command-parser.js';
import type { CommandRequest } from '../../../src/core/commands/command-request.js';
import type { MonitorCommandPort, MonitorScope } from '../../../src/core/commands/ports.js';
import { messagesFor } from '../../../src/core/i18n/index.js';
import type { NoteAddOutcome, NoteInput } from '../../../src/core/incident-notes.js';
import { makeHarness, request, T0, type RequestOptions } from './harness.js';

const en = messagesFor('en');
const bn = messagesFor('bn');
const hi = messagesFor('hi');

/** The monitor port as `/note` uses it: the Telegram chat -100777 owns the service `chat-1` (shop). */
const monitors: MonitorCommandPort = {
  add: () => Promise.reject(new Error('not used')),
  remove: () => {
    throw new Error('not used');
  },
  list: () => {
    throw new Error('not used');
  },
  servicesOf: (scope: MonitorScope) =>
    scope.platform === 'telegram' && scope.chatId === '-100777' ? [{ id: 'chat-1', name: 'shop' }] : [],
  serviceIds: () => ['chat-1'],
};

class FakeNotes {
  readonly added: NoteInput[] = [];
  /** Services with an open incident; any other has none. */
  open = new Set(['github', 'chat-1', 'whatsapp']);
  addNote(input: NoteInput): NoteAddOutcome {
    if (!this.open.has(input.serviceId)) return { kind: 'no-incident' };
    this.added.push(input);
    const incident = {
      id: 7,
      severity: 'major',
      status: 'down',
      startedAt: T0,
      resolvedAt: null,
      evidence: [],
    } as const;
    const note = {
      id: this.added.length,
      incidentId: 7,
      serviceId: input.serviceId,
      at: input.at,
      authorName: input.author.name,
      mark: input.mark,
      text: input.text,
    };
    return { kind: 'added', note, incident, alert: null };
  }
}

function setup() {
  const notes = new FakeNotes();
  const h = makeHarness({}, undefined, { monitors, notes, operators: new Set(['telegram:1', 'discord:2']) });
  const ask = (args: Record<string, string>, o: RequestOptions = {}, displayName?: string) => {
    const r = request('note', args, o);
    const withName: CommandRequest =
      displayName === undefined ? r : { ...r, user: { ...r.user, displayName } };
    return h.service.handle(withName);
  };
  return { h, notes, ask };
}

describe('/note', () => {
  it('lets an operator note any service, with the mark from the words and their display name', async () => {
    const { notes, ask } = setup();
    const reply = await ask(
      { service: 'github', text: 'identified: bad deploy rolled back' },
      { userId: '1', admin: false },
      'Ops\u202e Ana',
    );
    expect(reply).toEqual({
      text: en.commands.noteAdded({ serviceName: 'GitHub', open: true }),
      ephemeral: false,
    });
    expect(notes.added).toEqual([
      {
        serviceId: 'github',
        at: T0,
        author: { platform: 'telegram', id: '1', name: 'Ops Ana' },
        mark: 'identified',
        text: 'bad deploy rolled back',
      },
    ]);
  });

  it('takes Discord’s mark option, and keeps hostile text as plain text', async () => {
    const { notes, ask } = setup();
    const hostile = '<b>@everyone</b> <@&1> & <script>';
    await ask(
      { service: 'github', mark: 'resolved', text: hostile },
      { platform: 'discord', userId: '2', admin: false },
    );
    expect(notes.added.map((n) => [n.mark, n.text, n.author.name])).toEqual([['resolved', hostile, '2']]);
  });

  it('lets a community admin note its own monitor’s service, not a catalogue service or a non-admin', async () => {
    const { notes, ask } = setup();
    expect((await ask({ service: 'shop', text: 'monitoring fix deployed' }, { admin: true })).text).toBe(
      en.commands.noteAdded({ serviceName: 'shop', open: true }),
    );
    expect(notes.added.map((n) => [n.serviceId, n.mark, n.text])).toEqual([
      ['chat-1', 'monitoring', 'fix deployed'],
    ]);
    expect(await ask({ service: 'github', text: 'x' }, { admin: true })).toEqual({
      text: en.commands.noteNotAllowed(),
      ephemeral: true,
    });
    expect((await ask({ service: 'shop', text: 'x' }, { admin: false })).text).toBe(
      en.commands.noteNotAllowed(),
    );
    expect(notes.added).toHaveLength(1);
  });

  it('answers an incident-less service, a missing text and a too long note in the chat’s language', async () => {
    const { h, notes, ask } = setup();
    const op = { userId: '1' };
    expect((await ask({ service: 'instagram', text: 'hello' }, op)).text).toBe(
      en.commands.noteNoIncident({ serviceName: 'Instagram' }),
    );
    h.store.updateSettings({ platform: 'telegram', chatId: '-100777' }, { locale: 'bn' }, T0);
    expect((await ask({ service: 'github', text: '  ' }, op)).text).toBe(
      bn.commands.missingArgument({ command: '/note', argument: 'note' }),
    );
    // A mark alone is the text itself.
    expect((await ask({ service: 'github', text: 'resolved' }, op)).text).toBe(
      bn.commands.noteAdded({ serviceName: 'GitHub', open: true }),
    );
    h.store.updateSettings({ platform: 'telegram', chatId: '-100777' }, { locale: 'hi' }, T0);
    expect(await ask({ service: 'github', text: 'x'.repeat(501) }, op)).toEqual({
      text: hi.commands.noteTooLong({ max: 500 }),
      ephemeral: true,
    });
    expect((await ask({ service: 'github', text: 'é'.repeat(500) }, op)).ephemeral).toBe(false);
    expect(notes.added.map((n) => [n.mark, n.text.length])).toEqual([
      [null, 'resolved'.length],
      [null, 500],
    ]);
  });

  it('splits Telegram words: the first is the service, the rest the note', () => {
    expect(parseCommandText('/note github identified: bad deploy', 'bot')).toMatchObject({
      command: 'note',
      args: { service: 'github', text: 'identified: bad deploy' },
    });
  });
});
