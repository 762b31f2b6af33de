import { PermissionFlagsBits, type PermissionsBitField } from 'discord.js';
import { ADMIN_PERMISSION } from './discord-commands.js';

/**
 * What the bot needs in a channel to post alerts, with the names Discord's own settings show
 * (discord-api-docs topics/permissions.mdx). Checked on `app_permissions` before subscribing.
 */
const NEEDED_TO_POST: readonly (readonly [bigint, string])[] = [
  [PermissionFlagsBits.ViewChannel, 'View Channel'],
  [PermissionFlagsBits.SendMessages, 'Send Messages'],
  [PermissionFlagsBits.EmbedLinks, 'Embed Links'],
];

/** The permissions the bot lacks to post alerts, by name; empty when it can. */
export function missingPostPermissions(app: Readonly<PermissionsBitField>): string[] {
  return NEEDED_TO_POST.filter(([bit]) => !app.has(bit)).map(([, name]) => name);
}

/**
 * The member may change what the channel receives: Manage Channels there (Administrator implies
 * it). Checked in the handler too, since server admins can loosen `default_member_permissions`.
 */
export function isChannelAdmin(member: Readonly<PermissionsBitField> | null): boolean {
  return member?.has(ADMIN_PERMISSION) ?? false;
}
