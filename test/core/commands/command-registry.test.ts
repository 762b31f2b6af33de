/**
 * The command registry's contract: every registered command has its texts in every shipped
 * language, and what Discord and Telegram are given from it is valid there. A command added with a
 * missing text or a broken option fails here, before Discord or Telegram refuse the registration.
 */
import { describe, expect, it } from 'vitest';
import type { ArgSpec, CommandDefinition } from '../../../src/core/commands/command-definition.js';
import {
  MAX_MONITOR_TARGET_CHARS,
  monitorCommand,
} from '../../../src/core/commands/definitions/monitor-command.js';
import { subscribeCommand } from '../../../src/core/commands/definitions/subscribe-command.js';
import {
  COMMANDS,
  COMMAND_ARG_NAMES,
  findCommand,
  optionTextsOf,
} from '../../../src/core/commands/registry.js';
import { parseCommandText } from '../../../src/core/commands/command-parser.js';
import { LOCALES, messagesFor, type Messages } from '../../../src/core/i18n/index.js';
import { MAX_TARGET_CHARS } from '../../../src/monitors/ssrf/target-parser.js';
import { commandJson, DISCORD_COMMANDS } from '../../../src/platforms/discord/discord-commands.js';

/** Discord's name rule for commands and options (application-commands.mdx "Naming"), lower case. */
const DISCORD_NAME = /^[-_\p{Ll}\p{Lo}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
/** Telegram's command names (core.telegram.org/bots/features#commands). */
const TELEGRAM_NAME = /^[a-z0-9_]{1,32}$/;
/** A button action: a name no one can type as a command (Telegram's names have no `-`). */
const BUTTON_NAME = /^[a-z0-9_]+-button$/;
const MAX_OPTIONS = 25;
const MAX_CHOICES = 25;
const MAX_DESCRIPTION = 100;

const length = (text: string): number => [...text].length;
const inRange = (text: string | undefined, max: number): boolean =>
  text !== undefined && text.trim() !== '' && length(text) <= max;

/** What is missing or wrong with one command's texts in one language. */
function textProblems(command: CommandDefinition, m: Messages): string[] {
  const where = `${m.locale} /${command.name}`;
  const problems: string[] = [];
  if (command.surface === 'menu' && !inRange(m.commandMenu[command.name], MAX_DESCRIPTION))
    problems.push(`${where}: commandMenu.${command.name} missing, empty or over ${MAX_DESCRIPTION}`);
  for (const key of optionTextsOf(command))
    if (!inRange(m.commandOptions[key], MAX_DESCRIPTION))
      problems.push(`${where}: commandOptions.${key} missing, empty or over ${MAX_DESCRIPTION}`);
  for (const key of command.help ?? []) {
    const line = m.commandHelp[key];
    if (line === undefined || line.some((part) => part.trim() === ''))
      problems.push(`${where}: commandHelp.${key} missing or empty`);
  }
  const args = [...(command.args ?? []), ...(command.subcommands ?? []).flatMap((s) => s.args ?? [])];
  for (const arg of args)
    if (arg.kind === 'choice')
      for (const c of arg.choices) {
        const label = 'name' in c ? c.name : 'label' in c ? c.label(m) : m.commandOptions[c.text];
        if (!inRange(label, MAX_DESCRIPTION))
          problems.push(
            `${where}: the name of choice ${c.value} is missing, empty or over ${MAX_DESCRIPTION}`,
          );
      }
  return problems;
}

/** What Discord or Telegram would refuse in one definition, or what the parser could not place. */
function specProblems(command: CommandDefinition): string[] {
  const where = `/${command.name}`;
  const problems: string[] = [];
  const nameRule = command.surface === 'button' ? BUTTON_NAME : TELEGRAM_NAME;
  if (!nameRule.test(command.name) || !DISCORD_NAME.test(command.name))
    problems.push(`${where}: name not valid on both platforms`);
  if (!inRange(command.description, MAX_DESCRIPTION))
    problems.push(`${where}: description must be 1-${MAX_DESCRIPTION} characters`);
  if (command.args !== undefined && command.subcommands !== undefined)
    problems.push(`${where}: Discord takes options or sub-commands, not both`);
  const checkArgs = (args: readonly ArgSpec[], at: string) => {
    if (args.length > MAX_OPTIONS) problems.push(`${at}: over ${MAX_OPTIONS} options`);
    const names = args.map((a) => a.name);
    if (new Set(names).size !== names.length) problems.push(`${at}: an option name twice`);
    const firstOptional = args.findIndex((a) => a.required !== true);
    if (firstOptional >= 0 && args.slice(firstOptional).some((a) => a.required === true))
      problems.push(`${at}: a required option after an optional one`);
    for (const arg of args) {
      if (!DISCORD_NAME.test(arg.name)) problems.push(`${at} ${arg.name}: option name not valid`);
      if ('maxLength' in arg && arg.maxLength !== undefined && !(arg.maxLength >= 1 && arg.maxLength <= 6000))
        problems.push(`${at} ${arg.name}: max length must be 1-6000`);
      if (arg.kind === 'choice' && (arg.choices.length === 0 || arg.choices.length > MAX_CHOICES))
        problems.push(`${at} ${arg.name}: 1-${MAX_CHOICES} choices`);
    }
  };
  checkArgs(command.args ?? [], where);
  const subcommands = command.subcommands ?? [];
  if (subcommands.length > MAX_OPTIONS) problems.push(`${where}: over ${MAX_OPTIONS} sub-commands`);
  for (const sub of subcommands) {
    if (!DISCORD_NAME.test(sub.name)) problems.push(`${where} ${sub.name}: sub-command name not valid`);
    checkArgs(sub.args ?? [], `${where} ${sub.name}`);
  }
  if (Array.isArray(command.text)) {
    const declared = new Set((command.args ?? []).map((a) => a.name));
    for (const position of command.text)
      if (!declared.has(position.arg))
        problems.push(`${where}: Telegram position ${position.arg} is no argument`);
  }
  if (command.surface === 'menu' && (command.help ?? []).length === 0)
    problems.push(`${where}: no /help line`);
  return problems;
}

/** What Discord would refuse in a command's rendered JSON (application-commands.mdx). */
function jsonProblems(json: unknown, at = ''): string[] {
  const node = json as {
    name?: unknown;
    description?: unknown;
    description_localizations?: Record<string, string>;
    options?: unknown[];
    choices?: { name: string; name_localizations?: Record<string, string> }[];
  };
  const where = `${at}/${String(node.name)}`;
  const problems: string[] = [];
  if (typeof node.name !== 'string' || !DISCORD_NAME.test(node.name)) problems.push(`${where}: name`);
  if (typeof node.description !== 'string' || !inRange(node.description, MAX_DESCRIPTION))
    problems.push(`${where}: description`);
  for (const [locale, text] of Object.entries(node.description_localizations ?? {}))
    if (!inRange(text, MAX_DESCRIPTION)) problems.push(`${where}: ${locale} description`);
  if ((node.options ?? []).length > MAX_OPTIONS) problems.push(`${where}: over ${MAX_OPTIONS} options`);
  for (const c of node.choices ?? [])
    for (const text of [c.name, ...Object.values(c.name_localizations ?? {})])
      if (!inRange(text, MAX_DESCRIPTION)) problems.push(`${where}: choice name ${text}`);
  return [...problems, ...(node.options ?? []).flatMap((o) => jsonProblems(o, where))];
}

describe('the command registry', () => {
  it('has one definition per name, and finds each by it', () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const command of COMMANDS) expect(findCommand(command.name)).toBe(command);
    expect(findCommand('frobnicate')).toBeUndefined();
  });

  it.each(LOCALES)('has every text of every registered command in %s', (locale) => {
    const m = messagesFor(locale);
    expect(COMMANDS.flatMap((c) => textProblems(c, m))).toEqual([]);
  });

  it('has no help line in a catalogue that no registered command names', () => {
    const named = new Set(COMMANDS.flatMap((c) => c.help ?? []));
    for (const locale of LOCALES)
      expect(
        Object.keys(messagesFor(locale).commandHelp).filter((k) => !named.has(k)),
        locale,
      ).toEqual([]);
  });

  it('defines only what Discord and Telegram accept', () => {
    expect(COMMANDS.flatMap(specProblems)).toEqual([]);
    expect(DISCORD_COMMANDS.flatMap((c) => jsonProblems(c))).toEqual([]);
    expect(COMMAND_ARG_NAMES.every((name) => DISCORD_NAME.test(name))).toBe(true);
  });

  it('fails a command whose text is missing in a language or whose options Discord would refuse', () => {
    const broken: CommandDefinition = {
      ...subscribeCommand,
      name: 'Sub Scribe',
      description: '',
      help: ['nowhere'],
      args: [
        { kind: 'string', name: 'note', text: 'noSuchText' },
        ...Array.from({ length: 25 }, (_, i) => ({
          kind: 'role' as const,
          name: `r${i}`,
          text: 'role',
          required: true as const,
        })),
      ],
      text: [{ arg: 'service', take: 'rest' }],
    };
    const hi = messagesFor('hi');
    expect(textProblems(broken, hi)).toEqual([
      'hi /Sub Scribe: commandMenu.Sub Scribe missing, empty or over 100',
      'hi /Sub Scribe: commandOptions.noSuchText missing, empty or over 100',
      'hi /Sub Scribe: commandHelp.nowhere missing or empty',
    ]);
    expect(specProblems(broken)).toEqual([
      '/Sub Scribe: name not valid on both platforms',
      '/Sub Scribe: description must be 1-100 characters',
      '/Sub Scribe: over 25 options',
      '/Sub Scribe: a required option after an optional one',
      '/Sub Scribe: Telegram position service is no argument',
    ]);
    expect(jsonProblems(commandJson(broken))).toEqual(
      expect.arrayContaining([
        '/Sub Scribe: name',
        '/Sub Scribe: description',
        '/Sub Scribe: over 25 options',
      ]),
    );
  });

  it("keeps /monitor's target as long as the SSRF guard reads", () => {
    expect(MAX_MONITOR_TARGET_CHARS).toBe(MAX_TARGET_CHARS);
    const add = monitorCommand.subcommands?.find((s) => s.name === 'add');
    expect(add?.args?.find((a) => a.name === 'target')).toMatchObject({ maxLength: MAX_TARGET_CHARS });
  });

  it("places Telegram's words by each command's positions", () => {
    const args = (text: string) => parseCommandText(text)?.args;
    expect(args('/subscribe google cloud major')).toEqual({ service: 'google cloud', severity: 'major' });
    expect(args('/subscribe major')).toEqual({ service: 'major' });
    expect(args('/report whatsapp cannot log in')).toEqual({ service: 'whatsapp', problem: 'cannot log in' });
    expect(args('/status google cloud')).toEqual({ service: 'google cloud' });
    expect(args('/services whats app')).toEqual({ search: 'whats app' });
  });
});
