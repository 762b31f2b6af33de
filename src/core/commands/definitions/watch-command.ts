import { describeSsrfRefusal } from '../../i18n/ssrf-messages.js';
import type { Messages } from '../../i18n/index.js';
import type { CommandDefinition } from '../command-definition.js';
import { echo, type CommandContext } from '../command-context.js';
import type { CommandArgs, CommandReply } from '../command-request.js';
import { monitorScopeOf } from '../monitor-scope.js';
import type { MonitorCaller, WatchAddOutcome } from '../ports.js';
import { MAX_MONITOR_TARGET_CHARS } from './monitor-command.js';

/** The components asked, comma-separated: enough for a dozen long names. */
export const MAX_WATCH_COMPONENTS_CHARS = 500;
/** Known components named in a reply about unknown ones; the rest are counted, not listed. */
export const MAX_KNOWN_COMPONENTS_SHOWN = 25;
/**
 * Characters of known component names in that reply (each name is already cut by `echo`): with the
 * sentence around them and the unknown names, well under Discord's 2,000-character message.
 */
export const MAX_KNOWN_COMPONENTS_CHARS = 1_200;

/**
 * `/watch <url> [components]`: an official status page (Statuspage, incident.io, Slack, Google,
 * AWS, RSS/Atom) followed from this chat as one of its monitors (`/monitor list`, `/monitor
 * remove`). The caller is already known to be an admin (or in a private chat).
 *
 * | args                               | reply                                                |
 * |------------------------------------|------------------------------------------------------|
 * | no port, or no `watch` on it       | `notEnabled`                                         |
 * | no `url`                           | `watchUsage`                                         |
 * | a page that is no status feed      | `notStatusPage`: what was found, what to try instead |
 * | components the page does not list  | `unknownComponents`, with the ones it does           |
 * | otherwise                          | the port's outcome, rendered                         |
 */
async function watch(c: CommandContext, args: CommandArgs): Promise<CommandReply> {
  const port = c.deps.monitors;
  const m = c.m.monitors;
  if (port?.watch === undefined) return c.problem(m.notEnabled());
  const scope = monitorScopeOf(c.request.chat);
  if (scope === null) return c.problem(m.notEnabled());
  const url = args.url?.trim() ?? '';
  if (url === '') return c.problem(m.watchUsage());
  const thread = c.request.chat.threadId;
  const caller: MonitorCaller = {
    ...scope,
    userId: c.request.user.id,
    ...(thread === undefined ? {} : { threadId: thread }),
  };
  const outcome = await port.watch(caller, { url, components: splitComponents(args.components) });
  if (outcome.kind === 'added' && c.firstLocale().locale !== undefined)
    await c.deps.subscriptions.updateSettings(c.request.chat, c.firstLocale(), c.now);
  const rendered = renderWatchOutcome(c.m, outcome);
  return rendered.ok ? c.info(rendered.text) : c.problem(rendered.text);
}

/** `Git Operations, API Requests` → the two names; empty parts are dropped. */
export function splitComponents(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** The text of a `/watch` outcome; `ok` only for `added`. Untrusted names are echoed as plain lines. */
export function renderWatchOutcome(m: Messages, outcome: WatchAddOutcome): { ok: boolean; text: string } {
  const t = m.monitors;
  switch (outcome.kind) {
    case 'added': {
      const { name, target, intervalMs } = outcome.monitor;
      const components = (outcome.monitor.components ?? []).map(echo);
      return {
        ok: true,
        text: t.watchAdded({ name: echo(name), url: echo(target), components, intervalMs }),
      };
    }
    case 'not-status-page':
      return { ok: false, text: t.notStatusPage({ found: outcome.found }) };
    case 'unknown-components': {
      const shown = fitNames(outcome.known.slice(0, MAX_KNOWN_COMPONENTS_SHOWN).map(echo));
      return {
        ok: false,
        text: t.unknownComponents({
          unknown: outcome.unknown.slice(0, MAX_KNOWN_COMPONENTS_SHOWN).map(echo),
          known: shown,
          more: outcome.known.length - shown.length,
        }),
      };
    }
    case 'refused':
      return { ok: false, text: t.refused({ reason: describeSsrfRefusal(m.locale, outcome.reason) }) };
    case 'name-taken':
      return { ok: false, text: t.nameTaken({ name: echo(outcome.name) }) };
    case 'limit-reached':
      return { ok: false, text: t.limitReached({ limit: outcome.limit }) };
  }
}

/** The first names whose total length stays within `MAX_KNOWN_COMPONENTS_CHARS`. */
function fitNames(names: readonly string[]): string[] {
  const shown: string[] = [];
  let used = 0;
  for (const name of names) {
    used += name.length + 2;
    if (used > MAX_KNOWN_COMPONENTS_CHARS) break;
    shown.push(name);
  }
  return shown;
}

export const watchCommand: CommandDefinition = {
  name: 'watch',
  who: 'admins',
  surface: 'menu',
  description: 'Follow an official status page here (Statuspage, incident.io, RSS…)',
  args: [
    { kind: 'string', name: 'url', text: 'watchUrl', required: true, maxLength: MAX_MONITOR_TARGET_CHARS },
    {
      kind: 'string',
      name: 'components',
      text: 'watchComponents',
      maxLength: MAX_WATCH_COMPONENTS_CHARS,
      autocomplete: 'component',
    },
  ],
  // On Telegram the components are the words after the URL, comma-separated.
  text: [
    { arg: 'url', take: 'one' },
    { arg: 'components', take: 'rest' },
  ],
  help: ['watch'],
  // With custom monitors off, /watch only says so: no need to ask the platform who is admin.
  answersWithoutAdmin: (deps) => deps.monitors?.watch === undefined,
  handle: watch,
};
