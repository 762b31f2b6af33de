import type { CommandDefinition } from '../command-definition.js';
import { recordReport } from './report-command.js';

/** The alert's "I'm affected too" button: a crowd report with problem `other`, acknowledged privately. */
export const reportButtonCommand: CommandDefinition = {
  name: 'report-button',
  who: 'anyone',
  surface: 'button',
  description: "I'm affected too",
  defersPrivately: true,
  handle: (c, args) => recordReport(c, args, true),
};
