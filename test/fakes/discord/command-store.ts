/**
 * Registered application commands per scope (global or one guild), with the ids and versions
 * Discord assigns and the daily create counter (200 per guild per day, error 30034).
 * https://discord.com/developers/docs/interactions/application-commands#registering-a-command
 */
import type { SnowflakeGenerator } from './snowflake.js';

type Json = Record<string, unknown>;

/** Scope key of global commands. */
export const GLOBAL_SCOPE = 'global';
/** "There is a global rate limit of 200 application command creates per day, per guild." */
export const DEFAULT_COMMAND_CREATES_PER_DAY = 200;

const CHAT_INPUT = 1;

export class CommandStore {
  private readonly byScope = new Map<string, Json[]>();
  /** Creates per scope since the fake started: tests live well within one day. */
  readonly creates = new Map<string, number>();

  constructor(
    private readonly ids: SnowflakeGenerator,
    private readonly applicationId: string,
    readonly createsPerDay: number,
  ) {}

  list(scope: string): Json[] {
    return this.byScope.get(scope) ?? [];
  }

  /** How many of `commands` would be new names (the creates Discord counts). */
  countNew(scope: string, commands: Json[]): number {
    const existing = this.list(scope);
    return commands.filter((c) => this.find(existing, c) === undefined).length;
  }

  /** Bulk overwrite: existing names keep their ids, new ones count as creates. */
  overwrite(scope: string, commands: Json[]): Json[] {
    const existing = this.list(scope);
    const stored = commands.map((c) => this.store(scope, c, this.find(existing, c)));
    this.byScope.set(scope, stored);
    return stored;
  }

  /** Single create or update by name. */
  upsert(scope: string, command: Json): { command: Json; created: boolean } {
    const existing = this.list(scope);
    const previous = this.find(existing, command);
    const stored = this.store(scope, command, previous);
    this.byScope.set(scope, [...existing.filter((c) => c !== previous), stored]);
    return { command: stored, created: previous === undefined };
  }

  /** Removes one command; false when the id is unknown. */
  remove(scope: string, id: string): boolean {
    const existing = this.list(scope);
    const kept = existing.filter((c) => c.id !== id);
    this.byScope.set(scope, kept);
    return kept.length !== existing.length;
  }

  private find(existing: Json[], command: Json): Json | undefined {
    const type = Number(command.type ?? CHAT_INPUT);
    return existing.find((c) => c.name === command.name && c.type === type);
  }

  private store(scope: string, command: Json, previous: Json | undefined): Json {
    if (previous === undefined) this.creates.set(scope, (this.creates.get(scope) ?? 0) + 1);
    const type = Number(command.type ?? CHAT_INPUT);
    return {
      id: previous?.id ?? this.ids.next(),
      application_id: this.applicationId,
      version: this.ids.next(),
      type,
      name: command.name,
      name_localizations: command.name_localizations ?? null,
      description: command.description ?? '',
      description_localizations: command.description_localizations ?? null,
      options: command.options ?? [],
      default_member_permissions: command.default_member_permissions ?? null,
      dm_permission: command.dm_permission ?? true,
      contexts: command.contexts ?? null,
      integration_types: command.integration_types ?? [0],
      nsfw: command.nsfw ?? false,
      ...(scope === GLOBAL_SCOPE ? {} : { guild_id: scope }),
    };
  }
}
