import type { AlertMessage } from '../core/alert-message.js';
import { formatTime } from '../core/i18n/index.js';
import type { ChatSender, DeliveryJob, DeliveryResult } from '../core/delivery/ports.js';
import { buildAlert } from '../core/alert-message.js';

/** The plain-text face of an alert, as the console shows it: title, evidence, times, buttons. */
export function renderPlainAlert(alert: AlertMessage): string {
  const lines = [alert.title, ...alert.lines.map((line) => `  • ${line}`), `  ${alert.sinceText}`];
  if (alert.durationText !== undefined) lines.push(`  ${alert.durationText}`);
  if (alert.buttons.length > 0) lines.push(`  ${alert.buttons.map((b) => `[${b.label}]`).join(' ')}`);
  lines.push(`  ${alert.footer}`);
  return lines.join('\n');
}

/** One message a chat received in the replay. */
export interface ReceivedMessage {
  readonly chatId: string;
  readonly kind: DeliveryJob['kind'];
  /** When the chat got it (the simulated clock). */
  readonly at: number;
  readonly messageId: string;
  readonly replyTo?: string;
  readonly job: DeliveryJob;
  readonly alert: AlertMessage;
  readonly text: string;
}

/**
 * A `ChatSender` that "delivers" by rendering the alert as the chat would see it and handing it to
 * `onMessage`. Message ids count up so edits and replies can be followed; one sender a platform.
 */
export class PlainChatSender implements ChatSender {
  private nextId = 1;

  constructor(
    readonly platform: ChatSender['platform'],
    private readonly now: () => number,
    private readonly onMessage: (message: ReceivedMessage) => void,
    private readonly groupNames: Readonly<Record<string, string>> = {},
  ) {}

  deliver(job: DeliveryJob): Promise<DeliveryResult> {
    const alert = buildAlert(job.events, {
      locale: job.settings.locale,
      timeZone: job.settings.timeZone,
      groupNames: this.groupNames,
    });
    const messageId =
      job.kind === 'edit' ? (job.editMessageId ?? String(this.nextId++)) : String(this.nextId++);
    this.onMessage({
      chatId: job.chatId,
      kind: job.kind,
      at: this.now(),
      messageId,
      ...(job.replyToMessageId !== undefined ? { replyTo: job.replyToMessageId } : {}),
      job,
      alert,
      text: renderPlainAlert(alert),
    });
    return Promise.resolve({ kind: 'sent', messageId });
  }
}

/** `22:46` style local time of an instant for headers, in the chat's language and zone. */
export function localTime(locale: AlertMessage['locale'], at: number, timeZone: string): string {
  return formatTime(locale, at, timeZone);
}
