import type { CommandDefinition } from '../command-definition.js';
import type { CommandContext } from '../command-context.js';
import type { CommandReply } from '../command-request.js';

/**
 * `/subscriptions`: the all-services subscription first, as it says the most. In a forum whose
 * subscriptions are not all in the topic asked from, each says where its alerts go.
 */
async function subscriptions(c: CommandContext): Promise<CommandReply> {
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

export const subscriptionsCommand: CommandDefinition = {
  name: 'subscriptions',
  who: 'anyone',
  surface: 'menu',
  description: 'What this channel gets alerts for',
  help: ['subscriptions'],
  handle: subscriptions,
};
