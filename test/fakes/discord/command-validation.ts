/**
 * Checks application commands the way Discord does on registration, with the limits of
 * https://discord.com/developers/docs/interactions/application-commands#registering-a-command
 * (docs/platforms.md §1.1). Errors use Discord's `Invalid Form Body` tree keyed by command index.
 */
import { badLengthError, FormErrors, invalidFormBody, maxLengthError } from './api-error.js';

/** Name pattern of CHAT_INPUT commands and options (application-commands.mdx "Application Command Naming"). */
export const COMMAND_NAME_PATTERN = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
/** Description length range of CHAT_INPUT commands, options and choice names. */
export const DESCRIPTION_CHARS = { min: 1, max: 100 } as const;
/** Options per command (or sub-command) and choices per option. */
export const MAX_OPTIONS = 25;
export const MAX_CHOICES = 25;
/** Per application and scope: CHAT_INPUT, USER and MESSAGE commands. */
export const MAX_COMMANDS_BY_TYPE: Readonly<Record<number, number>> = { 1: 100, 2: 15, 3: 15 };

/** The 32 locales of https://discord.com/developers/docs/reference#locales (no `bn`). */
export const DISCORD_LOCALES = [
  'id',
  'da',
  'de',
  'en-GB',
  'en-US',
  'es-ES',
  'es-419',
  'fr',
  'hr',
  'it',
  'lt',
  'hu',
  'nl',
  'no',
  'pl',
  'pt-BR',
  'ro',
  'fi',
  'sv-SE',
  'vi',
  'tr',
  'cs',
  'el',
  'bg',
  'ru',
  'uk',
  'hi',
  'th',
  'zh-CN',
  'ja',
  'zh-TW',
  'ko',
] as const;

const CHAT_INPUT = 1;
/** Option types 1 and 2 (sub-command, group) carry nested options. */
const NESTING_OPTION_TYPES = new Set([1, 2]);

type Json = Record<string, unknown>;
type Path = (string | number)[];

function asObject(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function checkName(name: unknown, strict: boolean, at: Path, errors: FormErrors): void {
  const valid =
    typeof name === 'string' &&
    (strict
      ? COMMAND_NAME_PATTERN.test(name) && name === name.toLowerCase()
      : name.length >= 1 && name.length <= 32);
  if (!valid)
    errors.add(at, { code: 'APPLICATION_COMMAND_INVALID_NAME', message: 'Command name is invalid' });
}

function checkDescription(description: unknown, at: Path, errors: FormErrors): void {
  const length = typeof description === 'string' ? [...description].length : 0;
  if (length < DESCRIPTION_CHARS.min || length > DESCRIPTION_CHARS.max)
    errors.add(at, badLengthError(DESCRIPTION_CHARS.min, DESCRIPTION_CHARS.max));
}

/** Keys must be Discord locales; with `texts`, each value is a description (1-100 characters). */
function checkLocalizations(value: unknown, at: Path, errors: FormErrors, texts = false): void {
  for (const [locale, text] of Object.entries(asObject(value))) {
    if (!(DISCORD_LOCALES as readonly string[]).includes(locale))
      errors.add([...at, locale], {
        code: 'ENUM_TYPE_COERCE',
        message: `Value "${locale}" is not a valid enum value.`,
      });
    else if (texts) checkDescription(text, [...at, locale], errors);
  }
}

function checkOptions(options: unknown, at: Path, errors: FormErrors): void {
  if (!Array.isArray(options)) return;
  if (options.length > MAX_OPTIONS) errors.add(at, maxLengthError(MAX_OPTIONS));
  options.forEach((raw: unknown, i) => {
    const option = asObject(raw);
    const path = [...at, i];
    checkName(option.name, true, [...path, 'name'], errors);
    checkDescription(option.description, [...path, 'description'], errors);
    checkLocalizations(option.name_localizations, [...path, 'name_localizations'], errors);
    checkLocalizations(
      option.description_localizations,
      [...path, 'description_localizations'],
      errors,
      true,
    );
    const choices = Array.isArray(option.choices) ? option.choices : [];
    if (choices.length > MAX_CHOICES) errors.add([...path, 'choices'], maxLengthError(MAX_CHOICES));
    choices.forEach((rawChoice: unknown, j) => {
      // A choice's name is shown, not typed: any text of 1-100 characters, localised per locale.
      const at = [...path, 'choices', j];
      checkDescription(asObject(rawChoice).name, [...at, 'name'], errors);
      checkLocalizations(asObject(rawChoice).name_localizations, [...at, 'name_localizations'], errors, true);
    });
    if (choices.length > 0 && option.autocomplete === true)
      errors.add([...path, 'autocomplete'], {
        code: 'APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE',
        message: 'Autocomplete cannot be set on options with choices.',
      });
    if (NESTING_OPTION_TYPES.has(Number(option.type)))
      checkOptions(option.options, [...path, 'options'], errors);
  });
}

/** Checks one command at `index` of the request (`index` is omitted for single creates). */
function checkCommand(command: Json, at: Path, errors: FormErrors): void {
  const type = Number(command.type ?? CHAT_INPUT);
  const chatInput = type === CHAT_INPUT;
  checkName(command.name, chatInput, [...at, 'name'], errors);
  if (chatInput) checkDescription(command.description, [...at, 'description'], errors);
  checkLocalizations(command.name_localizations, [...at, 'name_localizations'], errors);
  checkLocalizations(command.description_localizations, [...at, 'description_localizations'], errors, true);
  checkOptions(command.options, [...at, 'options'], errors);
}

/** Validates a bulk overwrite body; throws 400 50035 on the first request with any error. */
export function checkCommandList(body: unknown): Json[] {
  const errors = new FormErrors();
  if (!Array.isArray(body)) {
    errors.add([], { code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' });
    throw invalidFormBody(errors);
  }
  const commands = body.map(asObject);
  commands.forEach((command, i) => checkCommand(command, [i], errors));
  const seen = new Set<string>();
  const perType = new Map<number, number>();
  commands.forEach((command, i) => {
    const type = Number(command.type ?? CHAT_INPUT);
    const key = `${type}:${String(command.name)}`;
    if (seen.has(key))
      errors.add([i, 'name'], {
        code: 'APPLICATION_COMMANDS_DUPLICATE_NAME',
        message: `Application command names must be unique`,
      });
    seen.add(key);
    perType.set(type, (perType.get(type) ?? 0) + 1);
  });
  for (const [type, count] of perType) {
    const max = MAX_COMMANDS_BY_TYPE[type];
    if (max !== undefined && count > max) errors.add([], maxLengthError(max));
  }
  if (!errors.isEmpty) throw invalidFormBody(errors);
  return commands;
}

/** Validates a single command body (`POST .../commands`). */
export function checkSingleCommand(body: unknown): Json {
  const errors = new FormErrors();
  const command = asObject(body);
  checkCommand(command, [], errors);
  if (!errors.isEmpty) throw invalidFormBody(errors);
  return command;
}
