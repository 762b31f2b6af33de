import type { CommandDefinition } from '../command-definition.js';
import type { CommandContext } from '../command-context.js';
import type { CommandArgs, CommandReply } from '../command-request.js';

/** `/unsubscribe <service|all>`: `all` stops every alert of the chat, not only the all-services one. */
async function unsubscribe(c: CommandContext, args: CommandArgs): Promise<CommandReply> {
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

export const unsubscribeCommand: CommandDefinition = {
  name: 'unsubscribe',
  who: 'admins',
  surface: 'menu',
  description: 'Stop alerts for a service (or all) in this channel',
  args: [{ kind: 'service', name: 'service', text: 'serviceOrAll', required: true, all: true }],
  text: [{ arg: 'service', take: 'rest' }],
  help: ['unsubscribe'],
  handle: unsubscribe,
};
