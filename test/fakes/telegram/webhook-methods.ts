/**
 * setWebhook, deleteWebhook and getWebhookInfo (https://core.telegram.org/bots/api#setwebhook); the
 * webhook itself and its sender are in webhook.ts.
 */
import { badRequest } from './api-error.js';
import type { MethodHandler } from './fake-state.js';
import { readAllowedUpdates } from './webhook.js';

/** `max_connections`: 1-100, 40 by default. */
const DEFAULT_MAX_CONNECTIONS = 40;

const setWebhook: MethodHandler = (state, params) => {
  const url = params.string('url') ?? '';
  const dropPending = params.bool('drop_pending_updates');
  if (url === '') {
    state.webhook.delete(dropPending);
    return true;
  }
  const maxConnections = params.int('max_connections') ?? DEFAULT_MAX_CONNECTIONS;
  if (maxConnections < 1 || maxConnections > 100) throw badRequest('invalid max_connections specified');
  state.webhook.set(
    {
      url,
      secret: params.string('secret_token') ?? '',
      maxConnections,
      allowedUpdates: readAllowedUpdates(params.json('allowed_updates')),
    },
    dropPending,
  );
  return true;
};

const deleteWebhook: MethodHandler = (state, params) => {
  state.webhook.delete(params.bool('drop_pending_updates'));
  return true;
};

const getWebhookInfo: MethodHandler = (state) => state.webhook.info();

/** Handlers by lower-case method name. */
export const WEBHOOK_METHODS: Readonly<Record<string, MethodHandler>> = {
  setwebhook: setWebhook,
  deletewebhook: deleteWebhook,
  getwebhookinfo: getWebhookInfo,
};
