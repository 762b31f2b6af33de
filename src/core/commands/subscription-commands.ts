import { ALL_SERVICES } from '../delivery/ports.js';
import type { CommandContext } from './command-context.js';
import type { CommandArgs, CommandReply } from './command-request.js';
import { parseSeverity } from './settings-input.js';

/** `/subscribe <service|all> [minor|major]`: minor (problems and outages) unless told otherwise. */
export async function subscribe(c: CommandContext, args: CommandArgs): Promise<CommandReply> {
  const service = c.service('subscribe', args.service, true);
  if (service.kind === 'reply') return service.reply;
  const severity = parseSeverity(args.severity ?? 'minor');
  // No catalogue text of its own: "/subscribe needs a severity: major or minor" says what to type.
  if (!severity.ok)
    return c.problem(c.m.commands.missingArgument({ command: '/subscribe', argument: 'severity' }));
  const { platform, chatId, guildId, threadId } = c.request.chat;
  const serviceId = service.kind === 'all' ? ALL_SERVICES : service.id;
  // In a forum topic, the alerts go to that topic; subscribing again elsewhere moves them.
  await c.deps.subscriptions.subscribe(
    { platform, chatId, guildId, threadId: threadId ?? null },
    serviceId,
    severity.value,
    c.now,
  );
  const first = c.firstLocale();
  if (first.locale !== undefined) await c.deps.subscriptions.updateSettings(c.request.chat, first, c.now);
  return c.info(c.m.commands.subscribed({ target: service.target, severity: severity.value }));
}

/** `/unsubscribe <service|all>`: `all` stops every alert of the chat, not only the all-services one. */
export async function unsubscribe(c: CommandContext, args: CommandArgs): Promise<CommandReply> {
  const service = c.service('unsubscribe', args.service, true);
  if (service.kind === 'reply') return service.reply;
  const store = c.deps.subscriptions;
  const chat = c.request.chat;
  const removed =
    service.kind === 'all'
      ? (await store.unsubscribeAll(chat)) > 0
      : await store.unsubscribe(chat, service.id);
  return removed
    ? c.info(c.m.commands.unsubscribed({ target: service.target }))
    : c.problem(c.m.commands.notSubscribed({ target: service.target }));
}

/**
 * `/subscriptions`: the all-services subscription first, as it says the most. In a forum whose
 * subscriptions are not all in the topic asked from, each says where its alerts go.
 */
export async function subscriptions(c: CommandContext): Promise<CommandReply> {
  const here = c.request.chat.threadId ?? null;
  const subs = await c.deps.subscriptions.listSubscriptions(c.request.chat);
  const mark = subs.some((s) => (s.threadId ?? null) !== here);
  const topic = (threadId: string | null) =>
    threadId === here ? ('here' as const) : threadId === null ? ('general' as const) : ('other' as const);
  const items = subs
    .map((s) => ({
      target: c.target(s.serviceId),
      severity: s.minSeverity,
      ...(mark ? { topic: topic(s.threadId ?? null) } : {}),
    }))
    .sort((a, b) => Number(b.target.kind === 'all') - Number(a.target.kind === 'all'));
  return c.list(items, (shown) => c.m.commands.subscriptions({ items: shown }));
}
