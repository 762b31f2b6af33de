import { parseDuration } from '../duration.js';
import type { Messages } from '../i18n/index.js';
import { describeSsrfRefusal } from '../i18n/ssrf-messages.js';
import { echo, type CommandContext } from './command-context.js';
import {
  MONITOR_ACTIONS,
  type ChatCapabilities,
  type CommandArgs,
  type CommandReply,
  type MonitorAction,
} from './command-request.js';
import type {
  MonitorAddOutcome,
  MonitorCaller,
  MonitorCommandPort,
  MonitorListOutcome,
  MonitorRemoveOutcome,
  MonitorScope,
} from './ports.js';

/**
 * `/monitor add <name> <target> [every]`, `/monitor remove <name>`, `/monitor list`.
 * The caller is already known to be an admin (or in a private chat). Every outcome is a reply in
 * the chat's language; the port's refusals say why (`describeSsrfRefusal`).
 *
 * | args                                   | reply                                   |
 * |----------------------------------------|-----------------------------------------|
 * | no port                                | `notEnabled`                            |
 * | no or unknown `action`                 | `usage` (the three forms)               |
 * | `add` without `name` / `target`        | `missingArgument` name / target         |
 * | `add` with `every` not a duration      | `invalidInterval`                       |
 * | `add`, `remove`, `list`                | the port's outcome, rendered            |
 */
export async function monitor(c: CommandContext, args: CommandArgs): Promise<CommandReply> {
  const port = c.deps.monitors;
  const m = c.m.monitors;
  if (port === undefined) return c.problem(m.notEnabled());
  const action = monitorAction(args.action);
  if (action === null) return c.problem(m.usage());
  const scope = monitorScopeOf(c.request.chat);
  if (scope === null) return c.problem(m.notEnabled());
  const thread = c.request.chat.threadId;
  const caller: MonitorCaller = {
    ...scope,
    userId: c.request.user.id,
    ...(thread === undefined ? {} : { threadId: thread }),
  };
  switch (action) {
    case 'list':
      return c.info(renderListing(c.m, await port.list(caller), c.settings.timeZone));
    case 'remove': {
      const name = args.name?.trim() ?? '';
      if (name === '') return missing(c, 'name');
      return reply(c, renderRemoveOutcome(c.m, await port.remove(caller, name)));
    }
    case 'add':
      return add(c, port, caller, args);
  }
}

async function add(
  c: CommandContext,
  port: MonitorCommandPort,
  caller: MonitorCaller,
  args: CommandArgs,
): Promise<CommandReply> {
  const name = args.name?.trim() ?? '';
  const target = args.target?.trim() ?? '';
  if (name === '') return missing(c, 'name');
  if (target === '') return missing(c, 'target');
  let intervalMs: number | undefined;
  if (args.every !== undefined && args.every.trim() !== '') {
    const parsed = parseDuration(args.every);
    if (parsed === null) return c.problem(c.m.monitors.invalidInterval({ given: echo(args.every) }));
    intervalMs = parsed;
  }
  const outcome = await port.add(caller, {
    name,
    target,
    ...(intervalMs === undefined ? {} : { intervalMs }),
  });
  if (outcome.kind === 'added' && c.firstLocale().locale !== undefined)
    await c.deps.subscriptions.updateSettings(c.request.chat, c.firstLocale(), c.now);
  return reply(c, renderAddOutcome(c.m, outcome));
}

function missing(c: CommandContext, argument: 'name' | 'target'): CommandReply {
  return c.problem(c.m.commands.missingArgument({ command: '/monitor', argument }));
}

/** Successes go to the whole chat, refusals to the caller. */
function reply(c: CommandContext, rendered: { readonly ok: boolean; readonly text: string }): CommandReply {
  return rendered.ok ? c.info(rendered.text) : c.problem(rendered.text);
}

/**
 * The community a chat belongs to, for the port; null where communities cannot own monitors (a
 * platform without the `chatMonitors` capability, or a scope that names none) or for a malformed
 * scope (autocomplete's comes from adapter code).
 */
export function monitorScopeOf(chat: {
  readonly platform: string;
  readonly chatId: string;
  readonly guildId?: string | null;
  readonly capabilities?: ChatCapabilities;
}): MonitorScope | null {
  if (typeof chat !== 'object' || chat === null) return null;
  const { platform, chatId, guildId, capabilities } = chat;
  if (capabilities?.chatMonitors !== true) return null;
  if (typeof platform !== 'string' || platform === '') return null;
  if (typeof chatId !== 'string' || (guildId != null && typeof guildId !== 'string')) return null;
  return { platform, chatId, guildId: guildId ?? null };
}

function monitorAction(given: string | undefined): MonitorAction | null {
  const action = given?.trim().toLowerCase();
  return (MONITOR_ACTIONS as readonly string[]).includes(action ?? '') ? (action as MonitorAction) : null;
}

/** The text of an add outcome; `ok` only for `added`. Names and targets are echoed as plain lines. */
export function renderAddOutcome(m: Messages, outcome: MonitorAddOutcome): { ok: boolean; text: string } {
  const t = m.monitors;
  switch (outcome.kind) {
    case 'added': {
      const { name, target, intervalMs } = outcome.monitor;
      return { ok: true, text: t.added({ monitor: { name: echo(name), target: echo(target), intervalMs } }) };
    }
    case 'refused':
      return { ok: false, text: t.refused({ reason: describeSsrfRefusal(m.locale, outcome.reason) }) };
    case 'invalid-name':
      return { ok: false, text: t.invalidName() };
    case 'name-taken':
      return { ok: false, text: t.nameTaken({ name: echo(outcome.name) }) };
    case 'limit-reached':
      return { ok: false, text: t.limitReached({ limit: outcome.limit }) };
    case 'interval-too-short':
      return { ok: false, text: t.intervalTooShort({ minIntervalMs: outcome.minIntervalMs }) };
  }
}

export function renderRemoveOutcome(
  m: Messages,
  outcome: MonitorRemoveOutcome,
): { ok: boolean; text: string } {
  return outcome.kind === 'removed'
    ? { ok: true, text: m.monitors.removed({ name: echo(outcome.monitor.name) }) }
    : { ok: false, text: m.monitors.notFound({ name: echo(outcome.name) }) };
}

export function renderListing(m: Messages, listing: MonitorListOutcome, timeZone: string): string {
  return m.monitors.listing({
    monitors: listing.monitors.map((x) => ({
      name: echo(x.name),
      target: echo(x.target),
      intervalMs: x.intervalMs,
    })),
    limit: listing.limit,
    audit: listing.audit.map((a) => ({
      name: echo(a.name),
      action: a.action,
      actor: echo(a.actor),
      at: a.at,
    })),
    timeZone,
  });
}
