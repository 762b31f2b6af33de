import {
  type APIApplicationCommandOption,
  type APIApplicationCommandStringOption,
  ApplicationCommandOptionType,
  InteractionContextType,
  PermissionFlagsBits,
  type REST,
  type RESTPostAPIChatInputApplicationCommandsJSONBody as CommandJson,
  Routes,
} from 'discord.js';
import type { MonitorAction } from '../../core/commands/command-request.js';
import { PROBLEM_KINDS } from '../../core/crowd/problem-kind.js';
import {
  type CommandMenuName,
  type CommandOptionText,
  LOCALES,
  type Messages,
  messagesFor,
} from '../../core/i18n/index.js';
import { MAX_TARGET_CHARS } from '../../monitors/ssrf/target-parser.js';

/**
 * The slash commands of docs/design.md §5 as Discord registers them (discord-api-docs
 * interactions/application-commands.mdx). Names are English: Discord has no Bengali locale and
 * Bengali names fail its name pattern (docs/platforms.md §1.1), so the language is a chat setting.
 * Defaults are never written out (`required: false`…): Discord omits them when it echoes a
 * command, and {@link commandsDiffer} compares what we wrote against what it returns.
 */

/** Manage Channels: who may change what a channel receives (docs/design.md §5, "Admin means"). */
export const ADMIN_PERMISSION = PermissionFlagsBits.ManageChannels;
const ADMIN_ONLY = ADMIN_PERMISSION.toString();

/** Option names shared with the interaction mapper. */
export const OPTION = {
  service: 'service',
  severity: 'severity',
  problem: 'problem',
  language: 'language',
  timezone: 'timezone',
  quiet: 'quiet',
  role: 'role',
  name: 'name',
  target: 'target',
  every: 'every',
} as const;

/** A monitor name: 1-40 characters (`MONITOR_NAME` in src/chat-monitors/chat-monitor-service.ts). */
export const MAX_MONITOR_NAME_CHARS = 40;
/** A target with its keyword: what the SSRF guard reads at most (`MAX_TARGET_CHARS`). */
export const MAX_MONITOR_TARGET_CHARS = MAX_TARGET_CHARS;
/** An interval such as `5m` or `1h30m`; anything longer is not a duration. */
export const MAX_MONITOR_EVERY_CHARS = 16;

const monitorName = (key: CommandOptionText): APIApplicationCommandStringOption => ({
  type: ApplicationCommandOptionType.String,
  name: OPTION.name,
  ...described(key),
  required: true,
  max_length: MAX_MONITOR_NAME_CHARS,
});

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
function localized(name: CommandMenuName): Pick<CommandJson, 'description_localizations'> {
  const localizations = inDiscordLocales((m) => m.commandMenu[name]);
  return localizations === null ? {} : { description_localizations: localizations };
}

/** An option's or sub-command's description, in English and localised from `commandOptions`. */
function described(key: CommandOptionText): {
  description: string;
  description_localizations?: Record<string, string>;
} {
  const localizations = inDiscordLocales((m) => m.commandOptions[key]);
  return {
    description: en.commandOptions[key],
    ...(localizations === null ? {} : { description_localizations: localizations }),
  };
}

/** A fixed choice: its English name, localised (choice names may be any text of 1-100 characters). */
function choice<V extends string>(
  value: V,
  name: (m: Messages) => string,
): { name: string; name_localizations?: Record<string, string>; value: V } {
  const localizations = inDiscordLocales(name);
  return { name: name(en), ...(localizations === null ? {} : { name_localizations: localizations }), value };
}

const service = (required: boolean, key: CommandOptionText): APIApplicationCommandOption => ({
  type: ApplicationCommandOptionType.String,
  name: OPTION.service,
  ...described(key),
  autocomplete: true,
  ...(required ? { required: true } : {}),
});

/** Every command with its options, in the order `/help` lists them. */
export const DISCORD_COMMANDS: readonly CommandJson[] = [
  {
    name: 'subscribe',
    description: 'Get alerts for a service (or all) in this channel',
    ...localized('subscribe'),
    default_member_permissions: ADMIN_ONLY,
    contexts: [InteractionContextType.Guild],
    options: [
      service(true, 'serviceOrAll'),
      {
        type: ApplicationCommandOptionType.String,
        name: OPTION.severity,
        ...described('severity'),
        choices: [
          choice('minor', (m) => m.commandOptions.severityMinor),
          choice('major', (m) => m.commandOptions.severityMajor),
        ],
      },
    ],
  },
  {
    name: 'unsubscribe',
    description: 'Stop alerts for a service (or all) in this channel',
    ...localized('unsubscribe'),
    default_member_permissions: ADMIN_ONLY,
    contexts: [InteractionContextType.Guild],
    options: [service(true, 'serviceOrAll')],
  },
  {
    name: 'subscriptions',
    description: 'What this channel gets alerts for',
    ...localized('subscriptions'),
    contexts: [InteractionContextType.Guild],
  },
  {
    name: 'status',
    description: 'One service in detail, or an overview of all',
    ...localized('status'),
    contexts: [InteractionContextType.Guild],
    options: [service(false, 'serviceOptional')],
  },
  {
    name: 'incidents',
    description: 'Recent and ongoing incidents',
    ...localized('incidents'),
    contexts: [InteractionContextType.Guild],
    options: [service(false, 'serviceOptional')],
  },
  {
    name: 'report',
    description: 'Report a problem you have with a service',
    ...localized('report'),
    contexts: [InteractionContextType.Guild],
    options: [
      service(true, 'serviceReport'),
      {
        type: ApplicationCommandOptionType.String,
        name: OPTION.problem,
        ...described('problem'),
        choices: PROBLEM_KINDS.map((kind) => choice(kind, (m) => m.evidence.problemKind(kind))),
      },
    ],
  },
  {
    name: 'services',
    description: 'The services being watched',
    ...localized('services'),
    contexts: [InteractionContextType.Guild],
  },
  {
    name: 'settings',
    description: 'Language, time zone, quiet hours and the role pinged for outages here',
    ...localized('settings'),
    default_member_permissions: ADMIN_ONLY,
    contexts: [InteractionContextType.Guild],
    options: [
      {
        type: ApplicationCommandOptionType.String,
        name: OPTION.language,
        ...described('language'),
        choices: LOCALES.map((locale) => ({ name: messagesFor(locale).languageName, value: locale })),
      },
      {
        type: ApplicationCommandOptionType.String,
        name: OPTION.timezone,
        ...described('timezone'),
        max_length: 64,
      },
      {
        type: ApplicationCommandOptionType.String,
        name: OPTION.quiet,
        ...described('quiet'),
        max_length: 32,
      },
      {
        type: ApplicationCommandOptionType.Role,
        name: OPTION.role,
        ...described('role'),
      },
    ],
  },
  {
    // Sub-commands are the `action` argument (discord-interactions.ts argsOf).
    name: 'monitor',
    description: "Watch this server's own website or game server from here",
    ...localized('monitor'),
    default_member_permissions: ADMIN_ONLY,
    contexts: [InteractionContextType.Guild],
    options: [
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'add' satisfies MonitorAction,
        ...described('monitorAdd'),
        options: [
          monitorName('monitorName'),
          {
            type: ApplicationCommandOptionType.String,
            name: OPTION.target,
            ...described('monitorTarget'),
            required: true,
            max_length: MAX_MONITOR_TARGET_CHARS,
          },
          {
            type: ApplicationCommandOptionType.String,
            name: OPTION.every,
            ...described('monitorEvery'),
            max_length: MAX_MONITOR_EVERY_CHARS,
          },
        ],
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'remove' satisfies MonitorAction,
        ...described('monitorRemove'),
        options: [
          {
            type: ApplicationCommandOptionType.String,
            name: OPTION.name,
            ...described('monitorRemoveName'),
            required: true,
            max_length: MAX_MONITOR_NAME_CHARS,
            autocomplete: true,
          },
        ],
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'list' satisfies MonitorAction,
        ...described('monitorList'),
      },
    ],
  },
  {
    name: 'help',
    description: 'How to use this bot',
    ...localized('help'),
    contexts: [InteractionContextType.Guild],
  },
];

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
