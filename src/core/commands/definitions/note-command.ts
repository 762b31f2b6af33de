import {
  MAX_NOTE_AUTHOR_CHARS,
  MAX_NOTE_CHARS,
  NOTE_MARKS,
  isNoteMark,
  splitNoteMark,
} from '../../incident-notes.js';
import { toPlainLine, truncateText } from '../../i18n/text-fit.js';
import type { CommandDefinition } from '../command-definition.js';
import type { CommandContext } from '../command-context.js';
import type { CommandArgs, CommandReply } from '../command-request.js';
import { monitorScopeOf } from '../monitor-scope.js';

/**
 * May the caller note this service's incidents? Operators (`OPERATORS`) any service; a community's
 * admins (anyone in a private chat) the services of the community's own chat-added monitors.
 */
async function mayNote(c: CommandContext, serviceId: string): Promise<boolean> {
  const { chat, user } = c.request;
  if (c.deps.operators?.has(`${chat.platform}:${user.id}`) === true) return true;
  const scope = monitorScopeOf(chat);
  const monitors = c.deps.monitors;
  if (scope === null || monitors === undefined) return false;
  if (!monitors.servicesOf(scope).some((s) => s.id === serviceId)) return false;
  return chat.kind === 'private' || (await user.isAdmin());
}

/** `/note <service> [identified|monitoring|resolved] <text>`: a note on the service's incident. */
async function note(c: CommandContext, args: CommandArgs): Promise<CommandReply> {
  const service = c.service('note', args.service, true);
  if (service.kind === 'reply') return service.reply;
  if (service.kind === 'all')
    return c.problem(c.m.commands.missingArgument({ command: '/note', argument: 'service' }));
  // Discord passes the mark as its own option; Telegram's words may start with one.
  const given = args.mark !== undefined && isNoteMark(args.mark) ? args.mark : null;
  const split = given === null ? splitNoteMark(args.text ?? '') : { mark: given, text: args.text ?? '' };
  // One line of plain text: no control or bidi characters (renderers escape the rest).
  const text = toPlainLine(split.text).trim();
  if (text === '') return c.problem(c.m.commands.missingArgument({ command: '/note', argument: 'note' }));
  if ([...text].length > MAX_NOTE_CHARS) return c.problem(c.m.commands.noteTooLong({ max: MAX_NOTE_CHARS }));
  if (c.deps.notes === undefined || !(await mayNote(c, service.id)))
    return c.problem(c.m.commands.noteNotAllowed());
  const { chat, user } = c.request;
  const name = truncateText(toPlainLine(user.displayName ?? '').trim(), MAX_NOTE_AUTHOR_CHARS);
  const outcome = await c.deps.notes.addNote({
    serviceId: service.id,
    at: c.now,
    author: { platform: chat.platform, id: user.id, name: name === '' ? user.id : name },
    mark: split.mark,
    text,
  });
  return outcome.kind === 'added'
    ? c.info(
        c.m.commands.noteAdded({ serviceName: service.name, open: outcome.incident.resolvedAt === null }),
      )
    : c.problem(c.m.commands.noteNoIncident({ serviceName: service.name }));
}

export const noteCommand: CommandDefinition = {
  name: 'note',
  who: 'anyone',
  surface: 'menu',
  description: 'Add a note to a service’s incident (operators, monitor owners)',
  args: [
    { kind: 'service', name: 'service', text: 'noteService', required: true },
    { kind: 'string', name: 'text', text: 'noteText', required: true, maxLength: MAX_NOTE_CHARS },
    {
      kind: 'choice',
      name: 'mark',
      text: 'noteMark',
      choices: NOTE_MARKS.map((value) => ({
        value,
        text: `note${value.charAt(0).toUpperCase()}${value.slice(1)}`,
      })),
    },
  ],
  text: [
    { arg: 'service', take: 'one' },
    { arg: 'text', take: 'rest' },
  ],
  help: ['note'],
  handle: note,
};
