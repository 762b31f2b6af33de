import type { ChatAddress, SubscriptionStore } from '../../core/delivery/ports.js';
import type { Severity } from '../../core/model.js';
import type { ChatPlatform, PlatformContext } from '../platform.js';
import { PlatformStartError } from '../platform.js';
import { type WebhookConfig, type WebhookEndpoint, urlOrigin } from './webhook-config.js';
import { WEBHOOK_PACING } from './webhook-pacing.js';
import { WEBHOOK_PLATFORM, WebhookSender, type WebhookSenderOptions } from './webhook-sender.js';

/** Why an endpoint's chat was deactivated at start. */
export const REMOVED_REASON = 'webhook endpoint removed from the configuration';

/**
 * Outgoing webhooks as a chat platform. Each configured endpoint is a chat of platform `webhook`
 * whose id is the endpoint's name, so the outbox fans incidents out to it, and its worker retries,
 * leases, paces and kills rows exactly as for Telegram and Discord chats.
 *
 * `start` makes the stored chats match the configuration: each endpoint is subscribed to its
 * services at its minimum severity (other subscriptions removed), gets its language and time
 * zone, and is active again; chats of endpoints no longer configured are deactivated, which kills
 * their queued rows. Nothing is polled: the platform is always "connected".
 */
export class WebhookPlatform implements ChatPlatform {
  readonly name = WEBHOOK_PLATFORM;
  readonly pacing = WEBHOOK_PACING;
  readonly sender: WebhookSender;
  readonly connected = true;

  constructor(
    private readonly config: WebhookConfig,
    private readonly ctx: Pick<PlatformContext, 'services' | 'subscriptions' | 'clock' | 'log'>,
    senderOptions: WebhookSenderOptions = {},
  ) {
    this.sender = new WebhookSender(config.endpoints, ctx.clock, senderOptions);
  }

  async start(): Promise<void> {
    const known = new Set(this.ctx.services.services.map((s) => s.id));
    const unknown = this.config.endpoints.flatMap((e) =>
      e.services
        .filter((id) => id !== '*' && !known.has(id))
        .map((id) => `${e.name}: unknown service "${id}"`),
    );
    if (unknown.length > 0)
      throw new PlatformStartError(
        this.name,
        `webhook endpoints name unknown services (${unknown.join('; ')})`,
      );
    const { deactivated } = await reconcileEndpoints(
      this.ctx.subscriptions,
      this.config.endpoints,
      this.ctx.clock.now(),
    );
    this.ctx.log.info(
      {
        endpoints: this.config.endpoints.map((e) => ({
          name: e.name,
          origin: urlOrigin(e.url),
          format: e.format,
        })),
        deactivated,
      },
      'webhook endpoints ready',
    );
  }

  async stop(): Promise<void> {
    await this.sender.close();
  }
}

/**
 * Makes the stored webhook chats match the endpoints (see {@link WebhookPlatform}). Returns the
 * names of the chats deactivated because their endpoint is gone.
 */
export async function reconcileEndpoints(
  store: Pick<
    SubscriptionStore,
    'subscribe' | 'unsubscribe' | 'listSubscriptions' | 'updateSettings' | 'deactivateChat' | 'listChats'
  >,
  endpoints: readonly WebhookEndpoint[],
  now: number,
): Promise<{ readonly deactivated: readonly string[] }> {
  const platform = WEBHOOK_PLATFORM;
  for (const endpoint of endpoints) {
    const chat: ChatAddress = { platform, chatId: endpoint.name };
    const wanted = new Map<string, Severity>(endpoint.services.map((id) => [id, endpoint.minSeverity]));
    for (const [serviceId, severity] of wanted) await store.subscribe(chat, serviceId, severity, now);
    for (const s of await store.listSubscriptions(chat))
      if (!wanted.has(s.serviceId)) await store.unsubscribe(chat, s.serviceId);
    await store.updateSettings(
      chat,
      {
        locale: endpoint.locale,
        timeZone: endpoint.timeZone,
        quietHours: null,
        mutedUntil: null,
        mentionRoleId: null,
      },
      now,
    );
  }
  const names = new Set(endpoints.map((e) => e.name));
  const deactivated: string[] = [];
  for (const chat of await store.listChats(platform)) {
    if (!chat.active || names.has(chat.chatId)) continue;
    await store.deactivateChat({ platform, chatId: chat.chatId }, REMOVED_REASON, now);
    deactivated.push(chat.chatId);
  }
  return { deactivated };
}
