import type { CommandDefinition } from '../command-definition.js';
import type { CommandContext } from '../command-context.js';
import type { CommandReply } from '../command-request.js';

/** Every menu command with a line or two each; `/start` is listed where the platform has it. */
export function helpReply(c: CommandContext): CommandReply {
  return c.info(c.m.commands.help({ withStart: c.request.chat.capabilities.startCommand }));
}

/** `/help`: what the bot does and its commands, in the chat's language. */
export const helpCommand: CommandDefinition = {
  name: 'help',
  who: 'anyone',
  surface: 'menu',
  menuFirst: true,
  description: 'How to use this bot',
  help: ['help'],
  handle: helpReply,
};
