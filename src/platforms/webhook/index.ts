import { ConfigError } from '../../config/problems.js';
import { MAX_REPLY_CHARS } from '../../core/commands/command-service.js';
import { NO_CHAT_CAPABILITIES } from '../../core/commands/command-request.js';
import type { PlatformModule } from '../platform.js';
import {
  WEBHOOK_ENV,
  WEBHOOK_SECRET_NAMES,
  type WebhookConfig,
  readWebhookConfig,
  webhookSecretValues,
} from './webhook-config.js';
import { WEBHOOK_PACING } from './webhook-pacing.js';

/**
 * Outgoing webhooks: every incident event the chats get, POSTed (signed) to the HTTP endpoints
 * the operator lists in `WEBHOOKS_FILE`, or to the one of `WEBHOOK_URL` (docs/webhooks.md). Each
 * endpoint is a chat of platform `webhook`; there are no commands.
 */
export const webhookModule: PlatformModule<'webhook', typeof WEBHOOK_ENV.shape, WebhookConfig> = {
  name: 'webhook',
  env: WEBHOOK_ENV,
  secrets: WEBHOOK_SECRET_NAMES,
  // The file and the endpoints are checked here, with every other variable, so all problems are listed together.
  check: (env) => readWebhookConfig(env).problems,
  settings(e) {
    const { config, problems } = readWebhookConfig(e);
    if (problems.length > 0) throw new ConfigError('environment', problems);
    return config;
  },
  // Endpoint secrets and URLs (with their tokens) from WEBHOOKS_FILE, which no variable names.
  secretValues: webhookSecretValues,
  pacing: WEBHOOK_PACING,
  // Endpoints receive alerts only: no command is ever answered there.
  limits: { maxReplyChars: MAX_REPLY_CHARS },
  capabilities: NO_CHAT_CAPABILITIES,
  async create(settings, ctx) {
    const { WebhookPlatform } = await import('./webhook-platform.js');
    return new WebhookPlatform(settings, ctx);
  },
};
