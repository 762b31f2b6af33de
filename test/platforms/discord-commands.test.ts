/**
 * The slash command definitions and their registration against the local Discord (which checks
 * names, lengths and option rules as Discord does) with the real @discordjs/rest client.
 */
import { BOARD_ACTIONS } from '../../src/core/commands/definitions/board-command.js';
import {
  ApplicationCommandOptionType,
  REST,
  type RESTPostAPIChatInputApplicationCommandsJSONBody as CommandJson,
} from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DISCORD_COMMANDS,
  commandsDiffer,
  discordLocalesOf,
  registerCommands,
} from '../../src/platforms/discord/discord-commands.js';
import { MONITOR_ACTIONS } from '../../src/core/commands/definitions/monitor-command.js';
import { MAINTENANCE_ACTIONS } from '../../src/core/commands/definitions/maintenance-command.js';
import { SILENCE_ACTIONS } from '../../src/core/commands/definitions/silence-command.js';
import { COMMAND_ARG_NAMES } from '../../src/core/commands/registry.js';
import { messagesFor, type CommandMenuName } from '../../src/core/i18n/index.js';
import { type FakeDiscord, startFakeDiscord } from '../fakes/discord/index.js';
import { DISCORD_REST_OPTIONS } from '../../src/platforms/discord/discord-rest.js';

const fakes: FakeDiscord[] = [];
const rests: REST[] = [];
afterEach(async () => {
  for (const rest of rests.splice(0)) {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  }
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function setUp() {
  const fake = await startFakeDiscord({ onUnknownRoute: () => undefined });
  fakes.push(fake);
  const guild = fake.addGuild({ name: 'Ops' });
  const rest = new REST({ api: fake.restUrl, ...DISCORD_REST_OPTIONS }).setToken(fake.token);
  rests.push(rest);
  const scope = { applicationId: fake.applicationId, guildId: guild.id };
  const writes = () => fake.calls.filter((c) => c.method === 'PUT').length;
  return { fake, guild, rest, scope, writes };
}

const SUBCOMMAND: number = ApplicationCommandOptionType.Subcommand;

/** The definitions as the JSON Discord receives, typed loosely enough to read and to break. */
interface OptionJson {
  name: string;
  type: number;
  description_localizations?: Record<string, string>;
  options?: OptionJson[];
  choices?: { name: string; value: string; name_localizations?: Record<string, string> }[];
}
const asJson = (commands: readonly CommandJson[]): { name: string; options?: OptionJson[] }[] =>
  structuredClone(commands) as unknown as { name: string; options?: OptionJson[] }[];

describe('Discord command definitions', () => {
  it('are the commands of docs/design.md §5, admin-only by default where the handler checks admins', () => {
    expect(DISCORD_COMMANDS.map((c) => [c.name, c.default_member_permissions ?? null])).toEqual([
      ['subscribe', '16'],
      ['unsubscribe', '16'],
      ['subscriptions', null],
      ['status', null],
      ['incidents', null],
      ['report', null],
      ['services', null],
      ['settings', '16'],
      ['silence', '16'],
      ['monitor', '16'],
      ['watch', '16'],
      ['help', null],
      // Operators need not be admins of the channel: the handler decides who may note what.
      ['note', null],
      ['board', '16'],
      ['maintenance', '16'],
    ]);
  });

  it('name only options the command layer knows, and autocomplete every service option', () => {
    // A sub-command is the `action` argument; its own options are arguments like any other.
    const subcommands = DISCORD_COMMANDS.flatMap((c) => c.options ?? []).filter(
      (o) => o.type === ApplicationCommandOptionType.Subcommand,
    );
    expect(subcommands.map((o) => o.name)).toEqual([
      ...SILENCE_ACTIONS,
      ...MONITOR_ACTIONS,
      ...BOARD_ACTIONS,
      ...MAINTENANCE_ACTIONS,
    ]);
    const options = DISCORD_COMMANDS.flatMap((c) => c.options ?? []).flatMap((o) =>
      o.type === ApplicationCommandOptionType.Subcommand ? (o.options ?? []) : [o],
    );
    expect(
      options.map((o) => o.name).filter((n) => !(COMMAND_ARG_NAMES as readonly string[]).includes(n)),
    ).toEqual([]);
    expect(
      options.filter((o) => o.name === 'service').every((o) => 'autocomplete' in o && o.autocomplete),
    ).toBe(true);
  });
});

describe('Discord command localisations', () => {
  it('describe every command in Hindi from its catalogue, and in no language Discord lacks (Bengali)', () => {
    for (const command of DISCORD_COMMANDS) {
      expect(command.description_localizations, command.name).toEqual({
        hi: messagesFor('hi').commandMenu[command.name as CommandMenuName],
      });
    }
  });

  it('describe every option, sub-command and fixed choice in Hindi from its catalogue, within 100 characters', () => {
    const hi = messagesFor('hi');
    const options = asJson(DISCORD_COMMANDS)
      .flatMap((c) => c.options ?? [])
      .flatMap((o) => (o.type === SUBCOMMAND ? [o, ...(o.options ?? [])] : [o]));
    expect(options.length).toBeGreaterThan(10);
    for (const option of options) {
      const hindi = option.description_localizations?.hi;
      expect(hindi, option.name).toBeDefined();
      expect(Object.values(hi.commandOptions), option.name).toContain(hindi);
      expect([...(hindi ?? '')].length, option.name).toBeLessThanOrEqual(100);
      // Discord has no Bengali locale: Hindi is the only localisation.
      expect(Object.keys(option.description_localizations ?? {}), option.name).toEqual(['hi']);
    }
    const choices = options.flatMap((o) => o.choices ?? []);
    const severity = choices.filter((c) => c.value === 'major' || c.value === 'minor');
    expect(severity.map((c) => c.name_localizations?.hi)).toEqual([
      hi.commandOptions.severityMinor,
      hi.commandOptions.severityMajor,
    ]);
    const problems = choices.filter((c) => c.value === 'login');
    expect(problems.map((c) => c.name_localizations?.hi)).toEqual([hi.evidence.problemKind('login')]);
  });

  it('are accepted by the fake, which refuses a localised option text too long or in a locale Discord lacks', async () => {
    const { rest, scope, writes } = await setUp();
    expect(await registerCommands(rest, scope, { onlyIfChanged: true })).toBe('registered');
    const broken = asJson(DISCORD_COMMANDS);
    const option = broken.find((c) => c.name === 'settings')?.options?.[0];
    if (option === undefined) throw new Error('settings has options');
    const commands = broken as unknown as CommandJson[];
    option.description_localizations = { hi: 'क'.repeat(101) };
    await expect(registerCommands(rest, scope, { onlyIfChanged: false, commands })).rejects.toThrow(
      /50035|Invalid Form Body/,
    );
    option.description_localizations = { bn: 'ভাষা' };
    await expect(registerCommands(rest, scope, { onlyIfChanged: false, commands })).rejects.toThrow(
      /50035|Invalid Form Body/,
    );
    expect(writes()).toBe(3);
  });

  it("map each of our languages to Discord's locales: the same code or its regional variants, none for bn or the English base", () => {
    expect(discordLocalesOf('hi')).toEqual(['hi']);
    expect(discordLocalesOf('bn')).toEqual([]);
    expect(discordLocalesOf('en')).toEqual([]);
    expect(discordLocalesOf('es')).toEqual(['es-ES', 'es-419']);
    expect(discordLocalesOf('pt')).toEqual(['pt-BR']);
    expect(discordLocalesOf('fr')).toEqual(['fr']);
  });

  it('are read back with with_localizations, so a localised definition is not written again', async () => {
    const { fake, rest, scope, writes } = await setUp();
    await registerCommands(rest, scope, { onlyIfChanged: true });
    expect(await registerCommands(rest, scope, { onlyIfChanged: true })).toBe('unchanged');
    expect(writes()).toBe(1);
    const reads = fake.calls.filter((c) => c.method === 'GET');
    expect(reads.map((c) => c.query)).toEqual(['?with_localizations=true', '?with_localizations=true']);
  });
});

describe('registerCommands', () => {
  it('writes the definitions, then nothing while they match what Discord echoes back', async () => {
    const { fake, guild, rest, scope, writes } = await setUp();
    expect(await registerCommands(rest, scope, { onlyIfChanged: true })).toBe('registered');
    expect(await registerCommands(rest, scope, { onlyIfChanged: true })).toBe('unchanged');
    expect(writes()).toBe(1);
    expect(commandsDiffer(DISCORD_COMMANDS, fake.commands(guild.id))).toBe(false);
  });

  it('writes again when a definition changed, a command was added or one was removed', async () => {
    const { rest, scope, writes } = await setUp();
    await registerCommands(rest, scope, { onlyIfChanged: true });
    const [first, ...others] = DISCORD_COMMANDS;
    if (first === undefined) throw new Error('no commands');
    const changed = [{ ...first, description: 'Something else' }, ...others];
    expect(await registerCommands(rest, scope, { onlyIfChanged: true, commands: changed })).toBe(
      'registered',
    );
    expect(await registerCommands(rest, scope, { onlyIfChanged: true, commands: others })).toBe('registered');
    expect(await registerCommands(rest, scope, { onlyIfChanged: true, commands: DISCORD_COMMANDS })).toBe(
      'registered',
    );
    expect(writes()).toBe(4);
  });

  it('always writes when asked to (npm run discord:register)', async () => {
    const { rest, scope, writes } = await setUp();
    await registerCommands(rest, scope, { onlyIfChanged: false });
    await registerCommands(rest, scope, { onlyIfChanged: false });
    expect(writes()).toBe(2);
  });
});
