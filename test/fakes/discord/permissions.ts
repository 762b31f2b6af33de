/**
 * Permission bits and the channel permission computation of
 * https://discord.com/developers/docs/topics/permissions#permission-overwrites, so the fake answers
 * 50001 / 50013 and fills `app_permissions` from the same data a real guild would hold.
 */

/** Bits the fake looks at (topics/permissions.mdx "Bitwise Permission Flags"). */
export const PermissionBits = {
  CreateInstantInvite: 1n << 0n,
  KickMembers: 1n << 1n,
  BanMembers: 1n << 2n,
  Administrator: 1n << 3n,
  ManageChannels: 1n << 4n,
  ManageGuild: 1n << 5n,
  AddReactions: 1n << 6n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  ManageMessages: 1n << 13n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  MentionEveryone: 1n << 17n,
  UseExternalEmojis: 1n << 18n,
  ManageRoles: 1n << 28n,
  ManageThreads: 1n << 34n,
  CreatePublicThreads: 1n << 35n,
  UseApplicationCommands: 1n << 31n,
  SendMessagesInThreads: 1n << 38n,
  /** Split from Manage Messages in 2025: pinning needs this one. */
  PinMessages: 1n << 51n,
} as const;

/** Every bit Discord defines today (up to bit 50); what an administrator effectively has. */
export const ALL_PERMISSIONS = (1n << 51n) - 1n;

/** What @everyone gets in a fresh guild, roughly: view, send, read history, embed, attach, react, commands. */
export const DEFAULT_EVERYONE_PERMISSIONS =
  PermissionBits.CreateInstantInvite |
  PermissionBits.AddReactions |
  PermissionBits.ViewChannel |
  PermissionBits.SendMessages |
  PermissionBits.EmbedLinks |
  PermissionBits.AttachFiles |
  PermissionBits.ReadMessageHistory |
  PermissionBits.UseExternalEmojis |
  PermissionBits.UseApplicationCommands |
  PermissionBits.SendMessagesInThreads;

/** `type` of a permission overwrite: 0 role, 1 member. */
export interface PermissionOverwrite {
  id: string;
  type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

/** What the computation needs to know about a guild. */
export interface PermissionContext {
  guildId: string;
  ownerId: string;
  /** Role id → permission bits; must contain the @everyone role (id = guild id). */
  rolePermissions: ReadonlyMap<string, bigint>;
  memberId: string;
  memberRoleIds: readonly string[];
  overwrites: readonly PermissionOverwrite[];
}

/** Guild-level permissions: @everyone OR every role of the member; owner and administrator get all. */
export function computeBasePermissions(ctx: PermissionContext): bigint {
  if (ctx.memberId === ctx.ownerId) return ALL_PERMISSIONS;
  let bits = ctx.rolePermissions.get(ctx.guildId) ?? 0n;
  for (const roleId of ctx.memberRoleIds) bits |= ctx.rolePermissions.get(roleId) ?? 0n;
  return (bits & PermissionBits.Administrator) !== 0n ? ALL_PERMISSIONS : bits;
}

/** Channel permissions: base, then @everyone overwrite, role overwrites together, member overwrite. */
export function computeChannelPermissions(ctx: PermissionContext): bigint {
  const base = computeBasePermissions(ctx);
  if (base === ALL_PERMISSIONS) return base;
  const apply = (bits: bigint, ow: PermissionOverwrite | undefined): bigint =>
    ow === undefined ? bits : (bits & ~ow.deny) | ow.allow;
  let bits = apply(
    base,
    ctx.overwrites.find((ow) => ow.id === ctx.guildId),
  );
  let roleAllow = 0n;
  let roleDeny = 0n;
  for (const ow of ctx.overwrites) {
    if (ow.type === 0 && ow.id !== ctx.guildId && ctx.memberRoleIds.includes(ow.id)) {
      roleAllow |= ow.allow;
      roleDeny |= ow.deny;
    }
  }
  bits = (bits & ~roleDeny) | roleAllow;
  return apply(
    bits,
    ctx.overwrites.find((ow) => ow.type === 1 && ow.id === ctx.memberId),
  );
}
