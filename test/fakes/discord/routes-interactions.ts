/**
 * Interaction responses and interaction webhooks:
 * https://discord.com/developers/docs/interactions/receiving-and-responding#endpoints
 * Both authenticate by the token in the path, are exempt from the global limit, and enforce the
 * 3 s window for the first response and the 15 min token lifetime (configurable).
 */
import { apiErrors, FormErrors, invalidFormBody, maxLengthError } from './api-error.js';
import type { FakeState } from './fake-state.js';
import { EPHEMERAL_FLAG, LOADING_FLAG } from './message-store.js';
import type { InteractionRecord, MessageRecord } from './records.js';
import type { RouteContext, RouteDef, RouteResult } from './rest-router.js';
import { renderMessage } from './routes-channels.js';

type Json = Record<string, unknown>;

/** Callback types: https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-interaction-callback-type */
export const CallbackType = {
  reply: 4,
  deferReply: 5,
  deferUpdate: 6,
  update: 7,
  autocomplete: 8,
  modal: 9,
} as const;
/** Interaction type → callback types Discord accepts for it. */
const ALLOWED_CALLBACKS: Readonly<Record<number, readonly number[]>> = {
  2: [4, 5, 9],
  3: [4, 5, 6, 7, 9],
  4: [8],
};
/** Autocomplete results carry at most 25 choices. */
export const MAX_AUTOCOMPLETE_CHOICES = 25;

function asObject(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function invalidField(path: (string | number)[], code: string, message: string): Error {
  const errors = new FormErrors();
  errors.add(path, { code, message });
  return invalidFormBody(errors);
}

function interactionFor(ctx: RouteContext): InteractionRecord {
  const record = ctx.state.interactions.get(ctx.params.interactionId ?? '');
  if (record === undefined || record.token !== ctx.params.token) throw apiErrors.unknownInteraction();
  return record;
}

/** Applies one accepted callback to the messages; returns the message it created or changed. */
function applyCallback(
  state: FakeState,
  record: InteractionRecord,
  type: number,
  data: Json,
  ctx: RouteContext,
): MessageRecord | undefined {
  const base = {
    channelId: record.channelId,
    guildId: record.guildId,
    source: 'interaction-response' as const,
    interactionId: record.id,
    files: ctx.files,
  };
  if (type === CallbackType.reply) return state.messages.create({ ...base, body: data });
  if (type === CallbackType.deferReply) {
    const flags = (Number(data.flags ?? 0) & EPHEMERAL_FLAG) | LOADING_FLAG;
    return state.messages.create({ ...base, body: { flags }, allowEmpty: true });
  }
  const componentMessage = state.messages.byId.get(record.messageId ?? '');
  if (type === CallbackType.update && componentMessage !== undefined)
    state.messages.edit(componentMessage, data, ctx.files);
  if (type === CallbackType.autocomplete) {
    const choices = Array.isArray(data.choices) ? data.choices : [];
    if (choices.length > MAX_AUTOCOMPLETE_CHOICES)
      throw invalidField(
        ['data', 'choices'],
        maxLengthError(MAX_AUTOCOMPLETE_CHOICES).code,
        maxLengthError(MAX_AUTOCOMPLETE_CHOICES).message,
      );
  }
  return type === CallbackType.deferUpdate || type === CallbackType.update ? componentMessage : undefined;
}

function callback(ctx: RouteContext): RouteResult {
  const { state } = ctx;
  const record = interactionFor(ctx);
  const refuse = (error: Error): never => {
    record.refusedCallbacks += 1;
    throw error;
  };
  if (record.response !== undefined) refuse(apiErrors.alreadyAcknowledged());
  if (state.nowMs() - record.createdAtMs > state.timing.callbackWindowMs)
    refuse(apiErrors.unknownInteraction());
  const body = asObject(ctx.body);
  const type = Number(body.type);
  if (!(ALLOWED_CALLBACKS[record.type] ?? []).includes(type))
    throw invalidField(
      ['type'],
      'INTERACTION_CALLBACK_TYPE_INVALID',
      `Interaction callback type ${type} is not valid for interaction type ${record.type}.`,
    );
  const data = asObject(body.data);
  const message = applyCallback(state, record, type, data, ctx);
  record.response = { type, data, files: ctx.files, atMs: state.nowMs() };
  if (message !== undefined) record.originalMessageId = message.id;
  if (ctx.query.get('with_response') !== 'true') return { status: 204 };
  return {
    status: 200,
    body: {
      interaction: {
        id: record.id,
        type: record.type,
        ...(message === undefined
          ? {}
          : {
              response_message_id: message.id,
              response_message_loading: (message.flags & LOADING_FLAG) !== 0,
              response_message_ephemeral: (message.flags & EPHEMERAL_FLAG) !== 0,
            }),
      },
      resource: { type, ...(message === undefined ? {} : { message: renderMessage(state, message) }) },
    },
  };
}

/** The interaction behind a webhook URL; 10015 before the first response, 50027 after 15 min. */
function webhookInteraction(ctx: RouteContext): InteractionRecord {
  const { state } = ctx;
  const record =
    ctx.params.webhookId === state.applicationId
      ? [...state.interactions.values()].find((i) => i.token === ctx.params.token)
      : undefined;
  if (record === undefined || record.response === undefined) throw apiErrors.unknownWebhook();
  if (state.nowMs() - record.createdAtMs > state.timing.tokenLifetimeMs)
    throw apiErrors.invalidWebhookToken();
  return record;
}

function webhookMessage(ctx: RouteContext, record: InteractionRecord): MessageRecord {
  const ref = ctx.params.messageId;
  const id =
    ref === '@original'
      ? record.originalMessageId
      : (record.followUpIds.find((f) => f === ref) ?? (ref === record.originalMessageId ? ref : undefined));
  const message = ctx.state.messages.byId.get(id ?? '');
  if (message === undefined || message.deleted) throw apiErrors.unknownMessage();
  return message;
}

/** A follow-up; the first one after a deferred reply replaces the "thinking…" placeholder, as on Discord. */
function followUp(ctx: RouteContext): RouteResult {
  const { state } = ctx;
  const record = webhookInteraction(ctx);
  const body = asObject(ctx.body);
  const original = state.messages.byId.get(record.originalMessageId ?? '');
  let message: MessageRecord;
  if (original !== undefined && (original.flags & LOADING_FLAG) !== 0) {
    state.messages.edit(original, body, ctx.files);
    message = original;
  } else {
    message = state.messages.create({
      channelId: record.channelId,
      guildId: record.guildId,
      source: 'follow-up',
      interactionId: record.id,
      body,
      files: ctx.files,
    });
    record.followUpIds.push(message.id);
  }
  return ctx.query.get('wait') === 'true'
    ? { status: 200, body: renderMessage(state, message) }
    : { status: 204 };
}

/** Interaction callback and webhook routes. */
export const interactionRoutes: readonly RouteDef[] = [
  {
    method: 'POST',
    pattern: '/interactions/:interactionId/:token/callback',
    auth: 'none',
    limit: 'interaction',
    handler: callback,
  },
  {
    method: 'POST',
    pattern: '/webhooks/:webhookId/:token',
    auth: 'none',
    limit: 'interaction',
    handler: followUp,
  },
  {
    method: 'GET',
    pattern: '/webhooks/:webhookId/:token/messages/:messageId',
    auth: 'none',
    limit: 'interaction',
    handler: (ctx) => ({
      status: 200,
      body: renderMessage(ctx.state, webhookMessage(ctx, webhookInteraction(ctx))),
    }),
  },
  {
    method: 'PATCH',
    pattern: '/webhooks/:webhookId/:token/messages/:messageId',
    auth: 'none',
    limit: 'interaction',
    handler: (ctx) => {
      const message = webhookMessage(ctx, webhookInteraction(ctx));
      ctx.state.messages.edit(message, asObject(ctx.body), ctx.files);
      return { status: 200, body: renderMessage(ctx.state, message) };
    },
  },
  {
    method: 'DELETE',
    pattern: '/webhooks/:webhookId/:token/messages/:messageId',
    auth: 'none',
    limit: 'interaction',
    handler: (ctx) => {
      webhookMessage(ctx, webhookInteraction(ctx)).deleted = true;
      return { status: 204 };
    },
  },
];
