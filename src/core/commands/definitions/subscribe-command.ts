import { ALL_SERVICES } from '../../delivery/ports.js';
import { SEVERITIES } from '../../model.js';
import type { CommandDefinition } from '../command-definition.js';
import type { CommandContext } from '../command-context.js';
import type { CommandArgs, CommandReply } from '../command-request.js';
import { parseSeverity } from '../settings-input.js';

const isSeverity = (token: string): boolean =>
  (SEVERITIES as readonly string[]).includes(token.toLowerCase());

/** `/subscribe <service|all> [minor|major]`: minor (problems and outages) unless told otherwise. */
async function subscribe(c: CommandContext, args: CommandArgs): Promise<CommandReply> {
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

export const subscribeCommand: CommandDefinition = {
  name: 'subscribe',
  who: 'admins',
  surface: 'menu',
  description: 'Get alerts for a service (or all) in this channel',
  args: [
    { kind: 'service', name: 'service', text: 'serviceOrAll', required: true, all: true },
    {
      kind: 'choice',
      name: 'severity',
      text: 'severity',
      choices: [
        { value: 'minor', text: 'severityMinor' },
        { value: 'major', text: 'severityMajor' },
      ],
    },
  ],
  // `/subscribe google cloud major`: a last word that is a severity is the severity.
  text: [
    { arg: 'service', take: 'rest' },
    { arg: 'severity', take: 'last', when: isSeverity },
  ],
  help: ['subscribe'],
  postsAlertsHere: true,
  handle: subscribe,
};
