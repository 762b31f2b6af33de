import { parseDuration } from '../../duration.js';
import type { Messages } from '../../i18n/index.js';
import { describeSsrfRefusal } from '../../i18n/ssrf-messages.js';
import type { CommandDefinition } from '../command-definition.js';
import { echo, type CommandContext } from '../command-context.js';
import type { CommandArgs, CommandReply } from '../command-request.js';
import { monitorScopeOf } from '../monitor-scope.js';
import { toAsciiDigits } from '../settings-input.js';
import type {
  MonitorAddOutcome,
  MonitorCaller,
  MonitorCommandPort,
  MonitorListOutcome,
  MonitorRemoveOutcome,
} from '../ports.js';

/** What `/monitor` does (the `action` argument, Discord's sub-commands). */
export const MONITOR_ACTIONS = ['add', 'remove', 'list'] as const;
export type MonitorAction = (typeof MONITOR_ACTIONS)[number];

/** A monitor name: 1-40 characters (`MONITOR_NAME` in src/chat-monitors/chat-monitor-service.ts). */
export const MAX_MONITOR_NAME_CHARS = 40;
/**
 * A target with its keyword: what the SSRF guard reads at most (`MAX_TARGET_CHARS` in
 * src/monitors/ssrf/target-parser.ts, which test/core/commands/command-registry.test.ts compares).
 */
export const MAX_MONITOR_TARGET_CHARS = 2048;
/** An interval such as `5m` or `1h30m`; anything longer is not a duration. */
export const MAX_MONITOR_EVERY_CHARS = 16;

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
async function monitor(c: CommandContext, args: CommandArgs): Promise<CommandReply> {
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
    // Digits may be the chat's own (`৫m`), as /settings reads them.
    const parsed = parseDuration(toAsciiDigits(args.every));
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

/**
 * Telegram's words: `add <name> <target…> [every]`, `remove <name>`, `list`. The name is one word
 * (quote it for spaces); the target is the rest (a URL may be followed by a keyword), except a last
 * word that is a duration (`5m`, in any of our languages' digits), which is `every`. The action is lower-cased; an unknown one is
 * kept for the usage reply.
 */
function monitorArguments(tokens: readonly string[]): CommandArgs {
  const [first, name, ...rest] = tokens;
  const action = first?.toLowerCase();
  if (action !== 'add')
    return present({ action, name: action === 'remove' ? joinAll(tokens.slice(1)) : name });
  const last = rest.at(-1);
  const withEvery = rest.length > 1 && last !== undefined && parseDuration(toAsciiDigits(last)) !== null;
  return present({
    action,
    name,
    target: joinAll(withEvery ? rest.slice(0, -1) : rest),
    every: withEvery ? last : undefined,
  });
}

const joinAll = (tokens: readonly string[]): string | undefined =>
  tokens.length > 0 ? tokens.join(' ') : undefined;

function present(args: Readonly<Record<string, string | undefined>>): CommandArgs {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(args)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

export const monitorCommand: CommandDefinition = {
  name: 'monitor',
  who: 'admins',
  surface: 'menu',
  description: "Watch this server's own website or game server from here",
  subcommands: [
    {
      name: 'add' satisfies MonitorAction,
      text: 'monitorAdd',
      args: [
        {
          kind: 'string',
          name: 'name',
          text: 'monitorName',
          required: true,
          maxLength: MAX_MONITOR_NAME_CHARS,
        },
        {
          kind: 'string',
          name: 'target',
          text: 'monitorTarget',
          required: true,
          maxLength: MAX_MONITOR_TARGET_CHARS,
        },
        { kind: 'duration', name: 'every', text: 'monitorEvery', maxLength: MAX_MONITOR_EVERY_CHARS },
      ],
    },
    {
      name: 'remove' satisfies MonitorAction,
      text: 'monitorRemove',
      args: [
        {
          kind: 'string',
          name: 'name',
          text: 'monitorRemoveName',
          required: true,
          maxLength: MAX_MONITOR_NAME_CHARS,
          autocomplete: 'monitor',
        },
      ],
    },
    { name: 'list' satisfies MonitorAction, text: 'monitorList' },
  ],
  text: monitorArguments,
  help: ['monitorAdd', 'monitorRemove'],
  // With custom monitors off, /monitor only says so: no need to ask the platform who is admin.
  answersWithoutAdmin: (deps) => deps.monitors === undefined,
  handle: monitor,
};
