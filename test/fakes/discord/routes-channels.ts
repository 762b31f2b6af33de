/**
 * Channel and message routes: https://discord.com/developers/docs/resources/channel and
 * https://discord.com/developers/docs/resources/message
 */
import { apiErrors } from './api-error.js';
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

function createMessage(ctx: RouteContext): RouteResult {
  const { channel } = channelWith(ctx.state, ctx.params.channelId ?? '', PermissionBits.SendMessages);
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
