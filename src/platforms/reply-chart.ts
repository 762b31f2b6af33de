import type { RenderChartPng } from '../charts/chart-png.js';
import type { CommandReply } from '../core/commands/index.js';
import type { ChatAddress, SubscriptionStore } from '../core/delivery/ports.js';
import { pickLocale } from '../core/i18n/index.js';
import type { Logger } from '../logging.js';

/** What an adapter needs to attach the chart of `CommandReply.chartServiceId`. */
export interface ReplyChartDeps {
  readonly renderChartPng: RenderChartPng;
  readonly subscriptions: Pick<SubscriptionStore, 'getChat' | 'getSettings'>;
  readonly log: Logger;
}

/** A rendered chart ready to upload. */
export interface ReplyChart {
  readonly png: Buffer;
  /** `<service>-24h.png`: the name chats show under the picture. */
  readonly filename: string;
}

/**
 * The PNG of the reply's chart, in the chat's language and time zone (the interaction's or the
 * sender's language for a chat never stored, as the command layer chooses). Null when the reply
 * has no chart, the service has none (a chat-added monitor, an unknown id), or rendering failed:
 * a chart is extra, so its failure is logged and the text reply goes out without it.
 */
export async function renderReplyChart(
  deps: ReplyChartDeps,
  reply: CommandReply,
  chat: ChatAddress,
  localeHint: string | undefined,
): Promise<ReplyChart | null> {
  const serviceId = reply.chartServiceId;
  if (serviceId === undefined) return null;
  try {
    const settings = await deps.subscriptions.getSettings(chat);
    const known = (await deps.subscriptions.getChat(chat)) !== null;
    const locale = known ? settings.locale : pickLocale(localeHint, settings.locale);
    const png = await deps.renderChartPng(serviceId, { locale, timeZone: settings.timeZone });
    return png === null ? null : { png, filename: `${serviceId}-24h.png` };
  } catch (err) {
    deps.log.warn({ err, serviceId, chatId: chat.chatId }, 'chart rendering failed; replying without it');
    return null;
  }
}
