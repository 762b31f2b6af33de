/**
 * Channel and message routes: https://discord.com/developers/docs/resources/channel and
 * https://discord.com/developers/docs/resources/message
 */
import { FormErrors, apiErrors, badLengthError, invalidFormBody } from './api-error.js';
import { channelWith, visibleChannel } from './channel-access.js';
import type { FakeState } from './fake-state.js';
import { channelPayload, messagePayload } from './payloads.js';
import { PermissionBits } from './permissions.js';
import type { MessageRecord } from './records.js';
import type { RouteContext, RouteDef, RouteResult } from './rest-router.js';

type Json = Record<string, unknown>;

function asObject(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

/** The payload of a stored message as the routes return it. */
export function renderMessage(state: FakeState, message: MessageRecord): Json {
  return messagePayload(message, state.bot, state.applicationId, `${state.origin()}/attachments`);
}

function channelMessage(ctx: RouteContext): MessageRecord {
  const message = ctx.state.messages.byId.get(ctx.params.messageId ?? '');
  if (message === undefined || message.deleted || message.channelId !== ctx.params.channelId)
    throw apiErrors.unknownMessage();
  return message;
}

/** A public thread (https://discord.com/developers/docs/resources/channel#start-thread-from-message). */
const PUBLIC_THREAD = 11;
/** The auto-archive durations Discord accepts, in minutes. */
const AUTO_ARCHIVE_MINUTES: readonly number[] = [60, 1440, 4320, 10080];

function createMessage(ctx: RouteContext): RouteResult {
  const target = ctx.state.guilds.channels.get(ctx.params.channelId ?? '');
  // In a thread the bot needs Send Messages in Threads, and an archived thread refuses posts.
  const needed =
    target?.thread === undefined ? PermissionBits.SendMessages : PermissionBits.SendMessagesInThreads;
  const { channel } = channelWith(ctx.state, ctx.params.channelId ?? '', needed);
  if (channel.thread?.archived === true) throw apiErrors.threadArchived();
  const message = ctx.state.messages.create({
    channelId: channel.id,
    guildId: channel.guildId,
    source: 'channel',
    interactionId: undefined,
    body: asObject(ctx.body),
    files: ctx.files,
  });
  return { status: 200, body: renderMessage(ctx.state, message) };
}

function editMessage(ctx: RouteContext): RouteResult {
  visibleChannel(ctx.state, ctx.params.channelId ?? '');
  const message = channelMessage(ctx);
  ctx.state.messages.edit(message, asObject(ctx.body), ctx.files);
  return { status: 200, body: renderMessage(ctx.state, message) };
}

/**
 * Starts a public thread from a message: a channel of type 11 whose id is the message's, with the
 * parent's permissions. 160004 when the message has one already (a deleted one no longer counts: the
 * new thread takes its place); 10008 when the message was deleted; 50035 for a bad name or duration.
 */
function startThread(ctx: RouteContext): RouteResult {
  const { channel: parent, guild } = channelWith(
    ctx.state,
    ctx.params.channelId ?? '',
    PermissionBits.CreatePublicThreads,
  );
  const message = channelMessage(ctx);
  const before = ctx.state.guilds.channels.get(message.id);
  if (before !== undefined && !before.deleted) throw apiErrors.threadAlreadyCreated();
  const body = asObject(ctx.body);
  const errors = new FormErrors();
  const name = typeof body.name === 'string' ? body.name : '';
  if ([...name].length < 1 || [...name].length > 100) errors.add(['name'], badLengthError(1, 100));
  const duration = body.auto_archive_duration ?? 4320;
  if (typeof duration !== 'number' || !AUTO_ARCHIVE_MINUTES.includes(duration))
    errors.add(['auto_archive_duration'], {
      code: 'BASE_TYPE_CHOICES',
      message: 'Value must be one of (60, 1440, 4320, 10080).',
    });
  if (!errors.isEmpty) throw invalidFormBody(errors);
  if (before !== undefined) guild.channels.splice(guild.channels.indexOf(before), 1);
  const thread = ctx.state.guilds.addChannel(guild, { id: message.id, name, type: PUBLIC_THREAD });
  // A thread's permissions are its parent's: the same overwrites, changed together.
  thread.overwrites = parent.overwrites;
  thread.thread = {
    parentId: parent.id,
    ownerId: ctx.state.bot.id,
    archived: false,
    autoArchiveDuration: duration as number,
  };
  return { status: 201, body: channelPayload(thread) };
}

/**
 * Modifies a channel; the fake knows a thread's `archived` only (its starter may archive and
 * unarchive it; anyone else needs Manage Threads), and answers with the channel as it now is.
 */
function modifyChannel(ctx: RouteContext): RouteResult {
  const { channel } = visibleChannel(ctx.state, ctx.params.channelId ?? '');
  const body = asObject(ctx.body);
  if (channel.thread !== undefined && typeof body.archived === 'boolean') {
    const own = channel.thread.ownerId === ctx.state.bot.id;
    if (!own) channelWith(ctx.state, channel.id, PermissionBits.ManageThreads);
    channel.thread.archived = body.archived;
  }
  return { status: 200, body: channelPayload(channel) };
}

/** Discord's limit of pinned messages per channel. */
const MAX_PINS = 50;

/**
 * Pins a message (https://discord.com/developers/docs/resources/message#pin-message): the bot
 * needs Pin Messages (50013 without), the message must be there (10008), a channel holds at most
 * 50 pins (30003), and pinning twice changes nothing. 204.
 */
function pinMessage(ctx: RouteContext): RouteResult {
  channelWith(ctx.state, ctx.params.channelId ?? '', PermissionBits.PinMessages);
  const message = channelMessage(ctx);
  if (message.pinned !== true) {
    const pins = [...ctx.state.messages.byId.values()].filter(
      (m) => m.channelId === message.channelId && m.pinned === true && !m.deleted,
    );
    if (pins.length >= MAX_PINS) throw apiErrors.maximumPins();
    message.pinned = true;
    ctx.state.changed();
  }
  return { status: 204 };
}

/** Unpins a message (`DELETE` on the same path): Pin Messages needed, 10008 for no message, 204. */
function unpinMessage(ctx: RouteContext): RouteResult {
  channelWith(ctx.state, ctx.params.channelId ?? '', PermissionBits.PinMessages);
  channelMessage(ctx).pinned = false;
  ctx.state.changed();
  return { status: 204 };
}

/** Routes under `/channels`. */
export const channelRoutes: readonly RouteDef[] = [
  {
    method: 'GET',
    pattern: '/channels/:channelId',
    auth: 'bot',
    limit: 'other',
    handler: (ctx) => ({
      status: 200,
      body: channelPayload(visibleChannel(ctx.state, ctx.params.channelId ?? '').channel),
    }),
  },
  {
    method: 'PATCH',
    pattern: '/channels/:channelId',
    auth: 'bot',
    limit: 'other',
    handler: modifyChannel,
  },
  {
    method: 'POST',
    pattern: '/channels/:channelId/messages/:messageId/threads',
    auth: 'bot',
    limit: 'other',
    handler: startThread,
  },
  {
    method: 'PUT',
    pattern: '/channels/:channelId/messages/pins/:messageId',
    auth: 'bot',
    limit: 'other',
    handler: pinMessage,
  },
  {
    method: 'DELETE',
    pattern: '/channels/:channelId/messages/pins/:messageId',
    auth: 'bot',
    limit: 'other',
    handler: unpinMessage,
  },
  {
    method: 'POST',
    pattern: '/channels/:channelId/messages',
    auth: 'bot',
    limit: 'channel-messages',
    handler: createMessage,
  },
  {
    method: 'GET',
    pattern: '/channels/:channelId/messages/:messageId',
    auth: 'bot',
    limit: 'other',
    handler: (ctx) => {
      visibleChannel(ctx.state, ctx.params.channelId ?? '');
      return { status: 200, body: renderMessage(ctx.state, channelMessage(ctx)) };
    },
  },
  {
    method: 'PATCH',
    pattern: '/channels/:channelId/messages/:messageId',
    auth: 'bot',
    limit: 'other',
    handler: editMessage,
  },
  {
    method: 'DELETE',
    pattern: '/channels/:channelId/messages/:messageId',
    auth: 'bot',
    limit: 'other',
    handler: (ctx) => {
      visibleChannel(ctx.state, ctx.params.channelId ?? '');
      channelMessage(ctx).deleted = true;
      return { status: 204 };
    },
  },
];
