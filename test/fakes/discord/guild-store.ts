/**
 * Guilds, channels, roles and members the test builds, and their API payloads
 * (https://discord.com/developers/docs/resources/guild#guild-object). Member permissions come from
 * roles and channel overwrites exactly as on Discord, so `app_permissions`, 50001 and 50013 follow
 * from the data instead of being switched on separately.
 */
import {
  computeChannelPermissions,
  DEFAULT_EVERYONE_PERMISSIONS,
  PermissionBits,
  type PermissionOverwrite,
} from './permissions.js';
import type { SnowflakeGenerator } from './snowflake.js';

/** A permission bitfield as a bigint or the decimal string Discord uses. */
export type PermissionInput = bigint | string;

/** A channel of {@link GuildSpec}. `type` defaults to 0 (GUILD_TEXT). */
export interface ChannelSpec {
  id?: string;
  name: string;
  type?: number;
  topic?: string;
  permissionOverwrites?: { id: string; type: 0 | 1; allow?: PermissionInput; deny?: PermissionInput }[];
}

/** A role of {@link GuildSpec}. */
export interface RoleSpec {
  id?: string;
  name: string;
  permissions: PermissionInput;
}

/** A human member; `permissions` becomes a role of its own, `roles` lists role ids or names. */
export interface MemberSpec {
  id?: string;
  username?: string;
  nick?: string;
  permissions?: PermissionInput;
  roles?: string[];
}

/** What `fake.addGuild` takes. Every id is generated when left out. */
export interface GuildSpec {
  id?: string;
  name: string;
  /** Defaults to the first member, else a user that is not a member. */
  ownerId?: string;
  /** Defaults to `en-US`. */
  preferredLocale?: string;
  channels?: ChannelSpec[];
  roles?: RoleSpec[];
  members?: MemberSpec[];
  /** Permissions of @everyone; defaults to view/send/embed/attach/history/commands. */
  everyonePermissions?: PermissionInput;
  /** Permissions of the bot's managed role; defaults to what an alert bot asks for on invite. */
  botPermissions?: PermissionInput;
}

export interface RoleRecord {
  id: string;
  name: string;
  permissions: bigint;
  position: number;
  botId: string | undefined;
}

export interface ChannelRecord {
  id: string;
  guildId: string;
  name: string;
  type: number;
  position: number;
  topic: string | null;
  overwrites: PermissionOverwrite[];
  deleted: boolean;
  /**
   * A thread (type 11, public): the channel it was started in (its permissions are that channel's),
   * who started it, and whether it is archived. Absent for every other channel.
   */
  thread?: { parentId: string; ownerId: string; archived: boolean; autoArchiveDuration: number };
}

export interface MemberRecord {
  id: string;
  username: string;
  nick: string | null;
  roleIds: string[];
  isBot: boolean;
  joinedAt: string;
}

export interface GuildRecord {
  id: string;
  name: string;
  ownerId: string;
  preferredLocale: string;
  roles: RoleRecord[];
  channels: ChannelRecord[];
  members: Map<string, MemberRecord>;
  /** The bot was removed (GUILD_DELETE sent); REST answers Missing Access. */
  removed: boolean;
}

/** The bot account, as READY and message authors show it. */
export interface BotUser {
  id: string;
  username: string;
}

/** What the bot gets on invite when the test does not say: an alert bot's needs. */
export const DEFAULT_BOT_PERMISSIONS =
  PermissionBits.ViewChannel |
  PermissionBits.SendMessages |
  PermissionBits.EmbedLinks |
  PermissionBits.AttachFiles |
  PermissionBits.ReadMessageHistory |
  PermissionBits.UseApplicationCommands;

const GUILD_TEXT = 0;

function toBits(value: PermissionInput | undefined, fallback: bigint): bigint {
  return value === undefined ? fallback : BigInt(value);
}

/** All guilds of the fake, indexed by guild and channel id. */
export class GuildStore {
  readonly guilds = new Map<string, GuildRecord>();
  readonly channels = new Map<string, ChannelRecord>();

  constructor(
    private readonly ids: SnowflakeGenerator,
    readonly bot: BotUser,
  ) {}

  /** Builds a guild the bot is a member of. */
  add(spec: GuildSpec): GuildRecord {
    const id = spec.id ?? this.ids.next();
    const everyone = toBits(spec.everyonePermissions, DEFAULT_EVERYONE_PERMISSIONS);
    const roles: RoleRecord[] = [
      { id, name: '@everyone', permissions: everyone, position: 0, botId: undefined },
    ];
    const addRole = (name: string, bits: bigint, roleId?: string, botId?: string): RoleRecord => {
      const role = { id: roleId ?? this.ids.next(), name, permissions: bits, position: roles.length, botId };
      roles.push(role);
      return role;
    };
    for (const r of spec.roles ?? []) addRole(r.name, BigInt(r.permissions), r.id);
    const joinedAt = new Date().toISOString();
    const members = new Map<string, MemberRecord>();
    for (const m of spec.members ?? []) {
      const memberId = m.id ?? this.ids.next();
      const username = m.username ?? `user${members.size + 1}`;
      const roleIds = (m.roles ?? []).map((ref) => {
        const role = roles.find((r) => r.id === ref || r.name === ref);
        if (role === undefined) throw new Error(`member ${username}: unknown role ${ref}`);
        return role.id;
      });
      if (m.permissions !== undefined)
        roleIds.push(addRole(`${username} permissions`, BigInt(m.permissions)).id);
      members.set(memberId, {
        id: memberId,
        username,
        nick: m.nick ?? null,
        roleIds,
        isBot: false,
        joinedAt,
      });
    }
    const botRole = addRole(
      this.bot.username,
      toBits(spec.botPermissions, DEFAULT_BOT_PERMISSIONS),
      undefined,
      this.bot.id,
    );
    members.set(this.bot.id, {
      id: this.bot.id,
      username: this.bot.username,
      nick: null,
      roleIds: [botRole.id],
      isBot: true,
      joinedAt,
    });
    const guild: GuildRecord = {
      id,
      name: spec.name,
      ownerId: spec.ownerId ?? spec.members?.[0]?.id ?? [...members.keys()][0] ?? this.ids.next(),
      preferredLocale: spec.preferredLocale ?? 'en-US',
      roles,
      channels: [],
      members,
      removed: false,
    };
    if (guild.ownerId === this.bot.id) guild.ownerId = this.ids.next();
    for (const c of spec.channels ?? []) this.addChannel(guild, c);
    this.guilds.set(id, guild);
    return guild;
  }

  /** Adds a channel to an existing guild. */
  addChannel(guild: GuildRecord, spec: ChannelSpec): ChannelRecord {
    const channel: ChannelRecord = {
      id: spec.id ?? this.ids.next(),
      guildId: guild.id,
      name: spec.name,
      type: spec.type ?? GUILD_TEXT,
      position: guild.channels.length,
      topic: spec.topic ?? null,
      overwrites: (spec.permissionOverwrites ?? []).map((ow) => ({
        id: ow.id,
        type: ow.type,
        allow: toBits(ow.allow, 0n),
        deny: toBits(ow.deny, 0n),
      })),
      deleted: false,
    };
    guild.channels.push(channel);
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** Effective permissions of a member in a channel (owner and administrator get every bit). */
  permissionsIn(channel: ChannelRecord, memberId: string): bigint {
    const guild = this.guilds.get(channel.guildId);
    const member = guild?.members.get(memberId);
    if (guild === undefined || member === undefined) return 0n;
    return computeChannelPermissions({
      guildId: guild.id,
      ownerId: guild.ownerId,
      rolePermissions: new Map(guild.roles.map((r) => [r.id, r.permissions])),
      memberId,
      memberRoleIds: member.roleIds,
      overwrites: channel.overwrites,
    });
  }

  /** Sets (or merges into) the bot's member overwrite on a channel: how access is revoked. */
  denyBot(channel: ChannelRecord, bits: bigint): void {
    const existing = channel.overwrites.find((ow) => ow.type === 1 && ow.id === this.bot.id);
    if (existing === undefined) channel.overwrites.push({ id: this.bot.id, type: 1, allow: 0n, deny: bits });
    else {
      existing.deny |= bits;
      existing.allow &= ~bits;
    }
  }
}
