/**
 * INTERACTION_CREATE payloads for slash commands (type 2), button presses (type 3) and autocomplete
 * (type 4), shaped like https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object
 * with the fields discord.js needs (docs/platforms.md §2.2: `entitlements` must be an array).
 */
import { randomBytes } from 'node:crypto';
import { GLOBAL_SCOPE } from './command-store.js';
import type { FakeState } from './fake-state.js';
import type { PermissionInput } from './guild-store.js';
import { channelPayload, memberPayload, messagePayload, userPayload } from './payloads.js';
import type { InteractionRecord } from './records.js';

/** An option as the user filled it in; `type` is inferred from `value` when left out. */
export interface InteractionOptionInput {
  name: string;
  /** Application command option type (3 string, 4 integer, 5 boolean, 10 number, 1 sub-command…). */
  type?: number;
  value?: string | number | boolean;
  /** Autocomplete: the option the user is typing in. */
  focused?: boolean;
  options?: InteractionOptionInput[];
}

/** Who acts where; defaults come from the channel's guild. */
export interface InteractionContextSpec {
  channelId: string;
  /** A member of the guild; defaults to the first human member. */
  userId?: string;
  /** The user's client locale; default `en-US`. */
  locale?: string;
  /** Default: the guild's preferred locale. */
  guildLocale?: string;
  /** Default: computed from the member's roles and the channel's overwrites. */
  memberPermissions?: PermissionInput;
  /** Default: computed for the bot in the channel. */
  appPermissions?: PermissionInput;
}

/** What `fake.interaction()` dispatches, discriminated on `kind`. */
export type InteractionSpec =
  | (InteractionContextSpec & { kind: 'command'; name: string; options?: InteractionOptionInput[] })
  | (InteractionContextSpec & { kind: 'autocomplete'; name: string; options: InteractionOptionInput[] })
  | (InteractionContextSpec & { kind: 'button'; customId: string; messageId?: string });

/** Interaction types: 2 application command, 3 message component, 4 autocomplete. */
const INTERACTION_TYPE = { command: 2, button: 3, autocomplete: 4 } as const;
const CHAT_INPUT = 1;
const BUTTON_COMPONENT = 2;
/** authorizing_integration_owners key 0 = GUILD_INSTALL; context 0 = GUILD. */
const GUILD_INSTALL = '0';
const GUILD_CONTEXT = 0;

function optionType(option: InteractionOptionInput): number {
  if (option.type !== undefined) return option.type;
  if (typeof option.value === 'boolean') return 5;
  if (typeof option.value === 'number') return Number.isInteger(option.value) ? 4 : 10;
  return option.options === undefined ? 3 : 1;
}

function toApiOption(option: InteractionOptionInput): Record<string, unknown> {
  return {
    name: option.name,
    type: optionType(option),
    ...(option.value === undefined ? {} : { value: option.value }),
    ...(option.focused === true ? { focused: true } : {}),
    ...(option.options === undefined ? {} : { options: option.options.map(toApiOption) }),
  };
}

function commandData(
  state: FakeState,
  guildId: string,
  name: string,
  options: InteractionOptionInput[],
): Record<string, unknown> {
  const guildCommand = state.commands.list(guildId).find((c) => c.name === name);
  const command = guildCommand ?? state.commands.list(GLOBAL_SCOPE).find((c) => c.name === name);
  return {
    id: command?.id ?? state.ids.next(),
    name,
    type: CHAT_INPUT,
    options: options.map(toApiOption),
    ...(guildCommand === undefined ? {} : { guild_id: guildId }),
  };
}

/** The message a button sits on: a stored one, or a bare bot message when the test names none. */
function componentMessage(
  state: FakeState,
  channelId: string,
  guildId: string,
  messageId: string | undefined,
): Record<string, unknown> {
  const stored = state.messages.byId.get(messageId ?? '');
  if (stored !== undefined)
    return messagePayload(stored, state.bot, state.applicationId, `${state.origin()}/attachments`);
  return {
    id: messageId ?? state.ids.next(),
    channel_id: channelId,
    guild_id: guildId,
    author: userPayload({ ...state.bot, isBot: true }),
    content: '',
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    components: [],
    pinned: false,
    type: 0,
    flags: 0,
  };
}

/** Where the interaction happens and who triggers it; throws when the test names unknown things. */
function resolveContext(state: FakeState, spec: InteractionContextSpec) {
  const channel = state.guilds.channels.get(spec.channelId);
  const guild = channel === undefined ? undefined : state.guilds.guilds.get(channel.guildId);
  if (channel === undefined || guild === undefined)
    throw new Error(`fake discord: unknown channel ${spec.channelId}`);
  const member =
    spec.userId === undefined
      ? [...guild.members.values()].find((m) => !m.isBot)
      : guild.members.get(spec.userId);
  if (member === undefined)
    throw new Error(`fake discord: guild ${guild.id} has no member ${spec.userId ?? '(human)'}`);
  return { channel, guild, member };
}

function newRecord(state: FakeState, type: number, channelId: string, guildId: string): InteractionRecord {
  return {
    id: state.ids.next(),
    // Real tokens are long opaque base64 strings starting with "aW50ZXJhY3Rpb24" ("interaction").
    token: `aW50ZXJhY3Rpb24${randomBytes(24).toString('base64url')}`,
    type,
    channelId,
    guildId,
    messageId: undefined,
    createdAtMs: state.nowMs(),
    response: undefined,
    delivered: false,
    refusedCallbacks: 0,
    originalMessageId: undefined,
    followUpIds: [],
  };
}

/** Builds the payload and the record the fake tracks the answer in; throws on a misused spec. */
export function buildInteraction(
  state: FakeState,
  spec: InteractionSpec,
): { record: InteractionRecord; payload: Record<string, unknown> } {
  const { channel, guild, member } = resolveContext(state, spec);
  const record = newRecord(state, INTERACTION_TYPE[spec.kind], channel.id, guild.id);
  let data: Record<string, unknown>;
  let message: Record<string, unknown> | undefined;
  if (spec.kind === 'button') {
    data = { custom_id: spec.customId, component_type: BUTTON_COMPONENT };
    message = componentMessage(state, channel.id, guild.id, spec.messageId);
    record.messageId = String(message.id);
  } else data = commandData(state, guild.id, spec.name, spec.options ?? []);
  const memberPermissions = spec.memberPermissions ?? state.guilds.permissionsIn(channel, member.id);
  const appPermissions = spec.appPermissions ?? state.guilds.permissionsIn(channel, state.bot.id);
  const payload = {
    id: record.id,
    application_id: state.applicationId,
    type: record.type,
    token: record.token,
    version: 1,
    data,
    guild_id: guild.id,
    guild: { id: guild.id, locale: guild.preferredLocale, features: [] },
    channel_id: channel.id,
    channel: channelPayload(channel),
    member: { ...memberPayload(member), permissions: BigInt(memberPermissions).toString() },
    app_permissions: BigInt(appPermissions).toString(),
    locale: spec.locale ?? 'en-US',
    guild_locale: spec.guildLocale ?? guild.preferredLocale,
    entitlements: [],
    authorizing_integration_owners: { [GUILD_INSTALL]: guild.id },
    context: GUILD_CONTEXT,
    attachment_size_limit: state.attachmentSizeLimitBytes,
    ...(message === undefined ? {} : { message }),
  };
  return { record, payload };
}
