import { SUBCOMMAND_ARG, type CommandDefinition } from './command-definition.js';
import type { ChatCapabilities } from './command-request.js';
import { boardCommand } from './definitions/board-command.js';
import { helpCommand } from './definitions/help-command.js';
import { incidentsCommand } from './definitions/incidents-command.js';
import { maintenanceCommand } from './definitions/maintenance-command.js';
import { monitorCommand } from './definitions/monitor-command.js';
import { noteCommand } from './definitions/note-command.js';
import { muteButtonCommand } from './definitions/mute-button-command.js';
import { reportButtonCommand } from './definitions/report-button-command.js';
import { reportCommand } from './definitions/report-command.js';
import { servicesCommand } from './definitions/services-command.js';
import { settingsCommand } from './definitions/settings-command.js';
import { silenceCommand } from './definitions/silence-command.js';
import { startCommand } from './definitions/start-command.js';
import { statusCommand } from './definitions/status-command.js';
import { subscribeCommand } from './definitions/subscribe-command.js';
import { subscriptionsCommand } from './definitions/subscriptions-command.js';
import { unsubscribeCommand } from './definitions/unsubscribe-command.js';
import { watchCommand } from './definitions/watch-command.js';

/**
 * Every chat command, in the order Discord's command list shows them (Telegram's menu puts the
 * `menuFirst` ones first; `/help` lists its lines in the catalogues' `commandHelp` order). Adding a
 * command is one file in `definitions/` and one line here (docs/ARCHITECTURE.md, "A chat
 * command"); the command service, the Telegram parser and menu, and the Discord definitions and
 * interaction mapper all read this list.
 */
export const COMMANDS: readonly CommandDefinition[] = [
  subscribeCommand,
  unsubscribeCommand,
  subscriptionsCommand,
  statusCommand,
  incidentsCommand,
  reportCommand,
  servicesCommand,
  settingsCommand,
  silenceCommand,
  monitorCommand,
  watchCommand,
  startCommand,
  helpCommand,
  reportButtonCommand,
  muteButtonCommand,
  noteCommand,
  boardCommand,
  maintenanceCommand,
];

const BY_NAME: ReadonlyMap<string, CommandDefinition> = new Map(COMMANDS.map((c) => [c.name, c]));

/** The command of this name (lower case, without the slash), or undefined. */
export function findCommand(name: string): CommandDefinition | undefined {
  return typeof name === 'string' ? BY_NAME.get(name) : undefined;
}

/** Every command name: those of the menus, then the alert buttons'. */
export const COMMAND_NAMES: readonly string[] = COMMANDS.map((c) => c.name);

export function isCommandName(name: string): boolean {
  return BY_NAME.has(name);
}

/**
 * The commands a platform's menu lists, in registry order: menu commands, without those that need
 * a capability the platform lacks (`/start` on Discord).
 */
export function menuCommands(capabilities: ChatCapabilities): readonly CommandDefinition[] {
  return COMMANDS.filter(
    (c) => c.surface === 'menu' && (c.onlyWith === undefined || capabilities[c.onlyWith]),
  );
}

/**
 * Every argument name any command takes, as `CommandArgs` keys and Discord option names: the
 * commands' own, their sub-commands', and `action` for the sub-command chosen.
 */
export const COMMAND_ARG_NAMES: readonly string[] = [
  ...new Set(
    COMMANDS.flatMap((c) => [
      ...(c.args ?? []).map((a) => a.name),
      ...(c.subcommands === undefined ? [] : [SUBCOMMAND_ARG]),
      ...(c.subcommands ?? []).flatMap((s) => (s.args ?? []).map((a) => a.name)),
    ]),
  ),
];

/**
 * The `commandOptions` keys a command names: its arguments', its sub-commands' and theirs, and its
 * choices' `text`. Every catalogue must have each (test/core/commands/command-registry.test.ts).
 */
export function optionTextsOf(definition: CommandDefinition): string[] {
  const ofArgs = (args: CommandDefinition['args']): string[] =>
    (args ?? []).flatMap((a) => [
      a.text,
      ...(a.kind === 'choice' ? a.choices.flatMap((c) => ('text' in c ? [c.text] : [])) : []),
    ]);
  return [
    ...ofArgs(definition.args),
    ...(definition.subcommands ?? []).flatMap((s) => [s.text, ...ofArgs(s.args)]),
  ];
}
