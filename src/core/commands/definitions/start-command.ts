import type { CommandDefinition } from '../command-definition.js';
import { helpReply } from './help-command.js';

/** `/start`, a Telegram bot's first message: the same answer as `/help`. */
export const startCommand: CommandDefinition = {
  name: 'start',
  who: 'anyone',
  surface: 'menu',
  onlyWith: 'startCommand',
  menuFirst: true,
  description: 'Start: what this bot does',
  help: ['start'],
  handle: helpReply,
};
