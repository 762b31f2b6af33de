import { parseProblemKind } from '../../crowd/parse-problem.js';
import { PROBLEM_KINDS, type ProblemKind } from '../../crowd/problem-kind.js';
import { REPORT_DEDUP_MS } from '../../crowd/report-admission.js';
import type { CommandDefinition } from '../command-definition.js';
import { echo, type CommandContext, type ServiceArgument } from '../command-context.js';
import { isChatIdentity, type CommandArgs, type CommandReply } from '../command-request.js';

/** The most words of a report's problem text tried as the rest of an unquoted service name. */
const MAX_NAME_WORDS = 3;

/**
 * `/report <service> [problem]` and the "I'm affected too" button (problem `other`): one crowd
 * report, acknowledged privately; the same person again within the dedupe window is told so.
 */
export async function recordReport(
  c: CommandContext,
  args: CommandArgs,
  button: boolean,
): Promise<CommandReply> {
  const { service, problemText } = button
    ? { service: c.service('report', args.service, true), problemText: undefined }
    : reportTarget(c, args);
  if (service.kind === 'reply') return service.reply;
  if (service.kind === 'all') {
    return c.problem(c.m.commands.unknownService({ given: echo(args.service ?? ''), suggestions: [] }));
  }
  const problem = toProblemKind(problemText);
  const { chat, user } = c.request;
  // Crowd reports count people. A chat identity (an anonymous admin, a channel) is not one: one
  // account can be the anonymous admin of any number of groups it makes, and would count as many
  // reporters. The alert button carries the real user, so it stays open to them.
  if (isChatIdentity(user.id))
    return c.problem(c.m.commands.reportNeedsPerson({ serviceName: service.name }));
  const outcome = await c.deps.reports.record({
    serviceId: service.id,
    platform: chat.platform,
    userId: user.id,
    chatId: chat.chatId,
    guildId: chat.guildId,
    privateChat: chat.kind === 'private',
    problem,
    at: c.now,
    answeredInChat: !button,
  });
  if (outcome.kind === 'duplicate')
    return c.problem(c.m.commands.alreadyReported({ serviceName: service.name, windowMs: REPORT_DEDUP_MS }));
  const receipt = c.m.commands.reportAcknowledged({ serviceName: service.name, problem });
  if (outcome.communityNotice === undefined) return c.problem(receipt);
  // This report made the community's own reporters as many as a spike while nobody else sees
  // anything: the whole chat is told, in the reply everyone sees (docs/crowd.md §9).
  const notice = c.m.commands.communityNotice({
    serviceName: service.name,
    reporters: outcome.communityNotice.reporters,
  });
  return c.info(`${receipt}\n\n${notice}`);
}

/**
 * Telegram's `/report google cloud login fails` arrives as service `google` and problem
 * `cloud login fails`: when the first word names no service, the next words are tried with it.
 */
function reportTarget(
  c: CommandContext,
  args: CommandArgs,
): { service: ServiceArgument; problemText: string | undefined } {
  const first = c.service('report', args.service, true);
  if (first.kind !== 'reply' || args.service === undefined || args.problem === undefined) {
    return { service: first, problemText: args.problem };
  }
  const words = args.problem.split(/\s+/u).filter(Boolean);
  for (let n = 1; n <= Math.min(MAX_NAME_WORDS, words.length); n++) {
    const longer = c.service('report', [args.service, ...words.slice(0, n)].join(' '), true);
    if (longer.kind === 'service') {
      const rest = words.slice(n).join(' ');
      return { service: longer, problemText: rest === '' ? undefined : rest };
    }
  }
  return { service: first, problemText: args.problem };
}

/** Discord's choice (`sending`) as it is; a member's words (`messages not sending`) understood. */
function toProblemKind(text: string | undefined): ProblemKind {
  if (text === undefined || text.trim() === '') return 'other';
  const word = text.trim().toLowerCase();
  return (PROBLEM_KINDS as readonly string[]).includes(word) ? (word as ProblemKind) : parseProblemKind(text);
}

export const reportCommand: CommandDefinition = {
  name: 'report',
  who: 'anyone',
  surface: 'menu',
  description: 'Report a problem you have with a service',
  args: [
    { kind: 'service', name: 'service', text: 'serviceReport', required: true },
    {
      kind: 'choice',
      name: 'problem',
      text: 'problem',
      choices: PROBLEM_KINDS.map((kind) => ({ value: kind, label: (m) => m.evidence.problemKind(kind) })),
    },
  ],
  // On Telegram the problem is the member's own words after the service.
  text: [
    { arg: 'service', take: 'one' },
    { arg: 'problem', take: 'rest' },
  ],
  help: ['report'],
  defersPrivately: true,
  handle: (c, args) => recordReport(c, args, false),
};
