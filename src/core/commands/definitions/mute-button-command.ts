import { MUTE_MS } from '../../alert-message.js';
import type { CommandDefinition } from '../command-definition.js';
import { echo, type CommandContext } from '../command-context.js';
import type { CommandArgs, CommandReply } from '../command-request.js';

/**
 * The alert's mute button: the chat's alerts are held for `MUTE_MS` (an existing longer mute is
 * kept) and released as one summary afterwards.
 */
async function mute(c: CommandContext, args: CommandArgs): Promise<CommandReply> {
  const service = c.service('mute', args.service, true);
  if (service.kind === 'reply') return service.reply;
  if (service.kind === 'all') {
    return c.problem(c.m.commands.unknownService({ given: echo(args.service ?? ''), suggestions: [] }));
  }
  const until = Math.max(c.settings.mutedUntil ?? 0, c.now + MUTE_MS);
  const settings = await c.deps.subscriptions.updateSettings(c.request.chat, { mutedUntil: until }, c.now);
  return c.info(c.m.commands.muted({ serviceName: service.name, until, timeZone: settings.timeZone }));
}

export const muteButtonCommand: CommandDefinition = {
  name: 'mute-button',
  who: 'anyone',
  surface: 'button',
  description: 'Mute alerts here for a while',
  defersPrivately: true,
  handle: mute,
};
