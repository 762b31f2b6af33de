import {
  type APIApplicationCommandOption,
  type APIApplicationCommandStringOption,
  type APIApplicationCommandSubcommandOption,
  ApplicationCommandOptionType,
  InteractionContextType,
  PermissionFlagsBits,
  type REST,
  type RESTPostAPIChatInputApplicationCommandsJSONBody as CommandJson,
  Routes,
} from 'discord.js';
import type {
  ArgSpec,
  ChoiceSpec,
  CommandDefinition,
  SubcommandSpec,
} from '../../core/commands/command-definition.js';
import { menuCommands } from '../../core/commands/registry.js';
import { LOCALES, type Messages, messagesFor } from '../../core/i18n/index.js';
import { DISCORD_CAPABILITIES } from './discord-settings.js';

/**
 * The slash commands of docs/design.md §5 as Discord registers them (discord-api-docs
 * interactions/application-commands.mdx), rendered from the command registry (`COMMANDS`,
 * src/core/commands/registry.ts): its menu commands, their arguments as options, sub-commands and
 * choices, admin-only ones with a default permission. Names are English: Discord has no Bengali
 * locale and Bengali names fail its name pattern (docs/platforms.md §1.1), so the language is a
 * chat setting.
 * Defaults are never written out (`required: false`…): Discord omits them when it echoes a
 * command, and {@link commandsDiffer} compares what we wrote against what it returns.
 */

/** Manage Channels: who may change what a channel receives (docs/design.md §5, "Admin means"). */
export const ADMIN_PERMISSION = PermissionFlagsBits.ManageChannels;
const ADMIN_ONLY = ADMIN_PERMISSION.toString();

/** Discord shows the English texts to every locale without a localisation (its default is en-US). */
const en = messagesFor('en');

/** Discord's locales (discord-api-docs reference.mdx "Locales"); it has none for Bengali. */
const DISCORD_LOCALES: readonly string[] = [
  ...'id da de en-GB en-US es-ES es-419 fr hr it lt hu nl no pl pt-BR'.split(' '),
  ...'ro fi sv-SE vi tr cs el bg ru uk hi th zh-CN ja zh-TW ko'.split(' '),
];

/**
 * The Discord locales one of our languages speaks for: its code, or Discord's regional variants of
 * it (a `pt` catalogue would serve `pt-BR`, `es` both `es-ES` and `es-419`); none for a language
 * Discord lacks (`bn`) or for English, which is the texts' base.
 */
export function discordLocalesOf(locale: string): readonly string[] {
  if (locale === 'en') return [];
  return DISCORD_LOCALES.filter((d) => d === locale || d.split('-')[0] === locale);
}

/**
 * A text in each of our languages Discord has a locale for (Hindi), keyed by that locale; a user
 * whose Discord is in another language sees the English text. Null when there is none.
 */
function inDiscordLocales(text: (m: Messages) => string): Record<string, string> | null {
  const entries = LOCALES.flatMap((l) => discordLocalesOf(l).map((d) => [d, text(messagesFor(l))] as const));
  return entries.length === 0 ? null : Object.fromEntries(entries);
}

/** A command's description localised from the catalogue's `commandMenu`. */
function localized(name: string): Pick<CommandJson, 'description_localizations'> {
  const localizations = inDiscordLocales((m) => m.commandMenu[name] ?? '');
  return localizations === null ? {} : { description_localizations: localizations };
}

/** An option's or sub-command's description, in English and localised from `commandOptions`. */
function described(key: string): {
  description: string;
  description_localizations?: Record<string, string>;
} {
  const localizations = inDiscordLocales((m) => m.commandOptions[key] ?? '');
  return {
    description: en.commandOptions[key] ?? '',
    ...(localizations === null ? {} : { description_localizations: localizations }),
  };
}

/** A fixed choice: its English name, localised (choice names may be any text of 1-100 characters). */
function choice(spec: ChoiceSpec): {
  name: string;
  name_localizations?: Record<string, string>;
  value: string;
} {
  if ('name' in spec) return { name: spec.name, value: spec.value };
  const name = 'text' in spec ? (m: Messages) => m.commandOptions[spec.text] ?? '' : spec.label;
  const localizations = inDiscordLocales(name);
  return {
    name: name(en),
    ...(localizations === null ? {} : { name_localizations: localizations }),
    value: spec.value,
  };
}

const required = (spec: { readonly required?: true }) => (spec.required === true ? { required: true } : {});

/**
 * One argument as an option. Each kind writes its fields in the order the definitions had when
 * they were written by hand, so the JSON stays byte for byte what registered bots have.
 */
function option(spec: ArgSpec): APIApplicationCommandOption {
  const head = { name: spec.name, ...described(spec.text) };
  switch (spec.kind) {
    case 'service':
      return { type: ApplicationCommandOptionType.String, ...head, autocomplete: true, ...required(spec) };
    case 'string':
    case 'duration': {
      const autocomplete = spec.kind === 'string' && spec.autocomplete !== undefined;
      return {
        type: ApplicationCommandOptionType.String,
        ...head,
        ...required(spec),
        ...(spec.maxLength === undefined ? {} : { max_length: spec.maxLength }),
        ...(autocomplete ? { autocomplete: true } : {}),
      } as APIApplicationCommandStringOption;
    }
    case 'choice':
      return {
        type: ApplicationCommandOptionType.String,
        ...head,
        ...required(spec),
        choices: spec.choices.map(choice),
      };
    case 'role':
      return { type: ApplicationCommandOptionType.Role, ...head, ...required(spec) };
  }
}

function subcommand(spec: SubcommandSpec): APIApplicationCommandOption {
  const options = (spec.args ?? []).map(option) as APIApplicationCommandSubcommandOption['options'];
  return {
    type: ApplicationCommandOptionType.Subcommand,
    name: spec.name,
    ...described(spec.text),
    ...(options === undefined || options.length === 0 ? {} : { options }),
  };
}

/**
 * A registered command as Discord's JSON: sub-commands are the `action` argument
 * (discord-interactions.ts argsOf).
 */
export function commandJson(definition: CommandDefinition): CommandJson {
  const options = [...(definition.args ?? []).map(option), ...(definition.subcommands ?? []).map(subcommand)];
  return {
    name: definition.name,
    description: definition.description,
    ...localized(definition.name),
    ...(definition.who === 'admins' ? { default_member_permissions: ADMIN_ONLY } : {}),
    contexts: [InteractionContextType.Guild],
    ...(options.length === 0 ? {} : { options }),
  };
}

/** Every menu command of the registry Discord can run, with its options, in the order `/help` lists them. */
export const DISCORD_COMMANDS: readonly CommandJson[] = menuCommands(DISCORD_CAPABILITIES).map(commandJson);

/** Where commands live: every guild (global), or one guild, where changes show up at once. */
export function commandsRoute(applicationId: string, guildId?: string): `/${string}` {
  return guildId === undefined
    ? Routes.applicationCommands(applicationId)
    : Routes.applicationGuildCommands(applicationId, guildId);
}

/**
 * True when the registered commands are not exactly ours: a name is missing or extra, or a field
 * we set has another value there. Fields Discord adds (ids, versions, defaults) are ignored.
 */
export function commandsDiffer(wanted: readonly CommandJson[], registered: readonly unknown[]): boolean {
  if (wanted.length !== registered.length) return true;
  return wanted.some((command) => {
    const theirs = registered.find((r) => (r as { name?: unknown }).name === command.name);
    return theirs === undefined || !isContainedIn(command, theirs);
  });
}

/** Every field of `ours` is in `theirs` with the same value; arrays must match element by element. */
function isContainedIn(ours: unknown, theirs: unknown): boolean {
  if (Array.isArray(ours))
    return (
      Array.isArray(theirs) &&
      ours.length === theirs.length &&
      ours.every((item, i) => isContainedIn(item, theirs[i]))
    );
  if (typeof ours === 'object' && ours !== null) {
    if (typeof theirs !== 'object' || theirs === null) return false;
    const record = theirs as Record<string, unknown>;
    return Object.entries(ours).every(([key, value]) => isContainedIn(value, record[key]));
  }
  return ours === theirs;
}

export type RegistrationResult = 'registered' | 'unchanged';

/**
 * Registers the commands by bulk overwrite (`PUT`), which only counts new names against the
 * 200 creates a day (docs/platforms.md §1.1). With `onlyIfChanged` it first reads the registered list
 * and writes nothing when it matches, as start-up does. Throws the REST error on failure.
 */
export async function registerCommands(
  rest: Pick<REST, 'get' | 'put'>,
  scope: { readonly applicationId: string; readonly guildId?: string },
  options: { readonly onlyIfChanged: boolean; readonly commands?: readonly CommandJson[] },
): Promise<RegistrationResult> {
  const route = commandsRoute(scope.applicationId, scope.guildId);
  const commands = options.commands ?? DISCORD_COMMANDS;
  if (options.onlyIfChanged) {
    // Without `with_localizations` Discord leaves the localised descriptions out of its answer.
    const registered = await rest.get(route, { query: new URLSearchParams({ with_localizations: 'true' }) });
    if (Array.isArray(registered) && !commandsDiffer(commands, registered)) return 'unchanged';
  }
  await rest.put(route, { body: commands });
  return 'registered';
}
