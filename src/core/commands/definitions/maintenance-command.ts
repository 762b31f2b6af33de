import { parseDuration } from '../../duration.js';
import { MAX_MAINTENANCE_MS } from '../../detection/maintenance.js';
import type { ArgSpec, CommandDefinition } from '../command-definition.js';
import { echo, type CommandContext } from '../command-context.js';
import type { CommandArgs, CommandReply } from '../command-request.js';
import { monitorScopeOf } from '../monitor-scope.js';
import { toAsciiDigits } from '../settings-input.js';
import type { MaintenanceCommandPort, MonitorCaller, UnknownMonitorOutcome } from '../ports.js';
import { MAX_MONITOR_NAME_CHARS } from './monitor-command.js';

/** What `/maintenance` does (the `action` argument, Discord's sub-commands). */
export const MAINTENANCE_ACTIONS = ['set', 'cancel', 'list'] as const;
export type MaintenanceAction = (typeof MAINTENANCE_ACTIONS)[number];

/** The shortest window: a check interval or two. */
export const MIN_MAINTENANCE_WINDOW_MS = 5 * 60_000;
/** The longest window, as for the services file's windows: a typo must not hide a monitor for good. */
export const MAX_MAINTENANCE_WINDOW_MS = MAX_MAINTENANCE_MS;
/** `now`, `HH:MM` or `YYYY-MM-DD HH:MM`. */
export const MAX_MAINTENANCE_START_CHARS = 16;
/** A duration such as `2h` or `1d`. */
export const MAX_MAINTENANCE_DURATION_CHARS = 16;
/** A start given with its date is refused when it is more than this before now (the minute typed). */
const PAST_GRACE_MS = 60_000;

/**
 * `/maintenance <monitor> <start> <duration>`, `/maintenance cancel <monitor>`, `/maintenance list`:
 * planned maintenance of the community's own chat monitors. While a window runs, the monitor's
 * service is in maintenance exactly as in a services-file window (no alerts, status
 * `maintenance`); what still fails at its end is alerted then. One window per monitor: setting
 * another replaces it. Times are read and shown in the chat's time zone.
 *
 * | args                                        | reply                                     |
 * |---------------------------------------------|-------------------------------------------|
 * | no port (custom monitors off)               | `monitors.notEnabled`                     |
 * | no or unknown `action`                      | `maintenanceUsage`                        |
 * | `set`/`cancel` without `name`               | `missingArgument` name                    |
 * | `set`, `start` missing or not a time        | `maintenanceBadStart`                     |
 * | `set`, dated `start` before now             | `maintenancePastStart`                    |
 * | `set`, `duration` missing or outside 5m..7d | `maintenanceBadDuration`                  |
 * | a name the community has no monitor of      | `maintenanceUnknownMonitor` with its own  |
 * | `set`                                       | `maintenanceSet` with start and end       |
 * | `cancel`                                    | `maintenanceCancelled`, or `maintenanceNone` |
 * | `list`                                      | `maintenanceList`                         |
 */
async function maintenance(c: CommandContext, args: CommandArgs): Promise<CommandReply> {
  const port = c.deps.monitors;
  const scope = monitorScopeOf(c.request.chat);
  if (port === undefined || !hasMaintenance(port) || scope === null)
    return c.problem(c.m.monitors.notEnabled());
  const m = c.m.commands;
  const action = maintenanceAction(args.action);
  if (action === null) return c.problem(m.maintenanceUsage());
  const timeZone = c.settings.timeZone;
  if (action === 'list') {
    const windows = await port.listMaintenance(scope);
    return c.info(
      m.maintenanceList({
        windows: windows.map((w) => ({ name: echo(w.name), start: w.startsAt, end: w.endsAt })),
        now: c.now,
        timeZone,
      }),
    );
  }
  const name = args.name?.trim() ?? '';
  if (name === '') return c.problem(m.missingArgument({ command: '/maintenance', argument: 'name' }));
  const thread = c.request.chat.threadId;
  const caller: MonitorCaller = {
    ...scope,
    userId: c.request.user.id,
    ...(thread === undefined ? {} : { threadId: thread }),
  };
  if (action === 'cancel') {
    const outcome = await port.cancelMaintenance(caller, name);
    if (outcome.kind === 'unknown-monitor') return unknownMonitor(c, outcome);
    return outcome.kind === 'cancelled'
      ? c.info(m.maintenanceCancelled({ name: echo(outcome.name) }))
      : c.problem(m.maintenanceNone({ name: echo(outcome.name) }));
  }
  const givenStart = args.start?.trim() ?? '';
  const start = parseMaintenanceStart(givenStart, c.now, timeZone);
  if (start === null)
    return c.problem(m.maintenanceBadStart({ given: givenStart === '' ? null : echo(givenStart) }));
  if (start < c.now - PAST_GRACE_MS) return c.problem(m.maintenancePastStart({ given: echo(givenStart) }));
  const givenDuration = args.duration?.trim() ?? '';
  // Digits may be the chat's own (`২h`), as /settings reads them.
  const ms = parseDuration(toAsciiDigits(givenDuration));
  if (ms === null || ms < MIN_MAINTENANCE_WINDOW_MS || ms > MAX_MAINTENANCE_WINDOW_MS)
    return c.problem(m.maintenanceBadDuration({ given: givenDuration === '' ? null : echo(givenDuration) }));
  const startsAt = Math.max(start, c.now);
  const outcome = await port.setMaintenance(caller, { name, startsAt, endsAt: startsAt + ms });
  if (outcome.kind === 'unknown-monitor') return unknownMonitor(c, outcome);
  const w = outcome.window;
  return c.info(m.maintenanceSet({ name: echo(w.name), start: w.startsAt, end: w.endsAt, timeZone }));
}

function hasMaintenance(port: object): port is MaintenanceCommandPort {
  const p = port as Partial<MaintenanceCommandPort>;
  return (
    typeof p.setMaintenance === 'function' &&
    typeof p.cancelMaintenance === 'function' &&
    typeof p.listMaintenance === 'function'
  );
}

function unknownMonitor(c: CommandContext, outcome: UnknownMonitorOutcome): CommandReply {
  return c.problem(
    c.m.commands.maintenanceUnknownMonitor({
      given: echo(outcome.name),
      known: outcome.known.map(echo),
    }),
  );
}

function maintenanceAction(given: string | undefined): MaintenanceAction | null {
  const action = given?.trim().toLowerCase();
  return (MAINTENANCE_ACTIONS as readonly string[]).includes(action ?? '')
    ? (action as MaintenanceAction)
    : null;
}

const CLOCK = /^(\d{1,2}):(\d{2})$/;
const DATED = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})$/;

/**
 * A window's start as typed, read in `timeZone`: `now`; `HH:MM`, the next time the chat's clock
 * shows it (today, or tomorrow when today's has passed); `YYYY-MM-DD HH:MM`, that wall time (one a
 * DST change skips or repeats is read with one of the two offsets around it). Null when it is none
 * of these or no such date or time exists. A dated start may lie in the past: the caller refuses it.
 * Digits may be any of our languages' (`১০:০০`).
 */
export function parseMaintenanceStart(text: string, now: number, timeZone: string): number | null {
  const given = toAsciiDigits(text).trim().toLowerCase().replace(/\s+/g, ' ');
  if (given === 'now') return now;
  const clock = CLOCK.exec(given);
  if (clock !== null) {
    const hour = Number(clock[1]);
    const minute = Number(clock[2]);
    if (hour > 23 || minute > 59) return null;
    const today = wallFields(now, timeZone);
    const at = fromWallTime(today.year, today.month, today.day, hour, minute, timeZone);
    if (at >= now - PAST_GRACE_MS) return at;
    const tomorrow = new Date(Date.UTC(today.year, today.month - 1, today.day + 1));
    return fromWallTime(
      tomorrow.getUTCFullYear(),
      tomorrow.getUTCMonth() + 1,
      tomorrow.getUTCDate(),
      hour,
      minute,
      timeZone,
    );
  }
  const dated = DATED.exec(given);
  if (dated === null) return null;
  const [year, month, day, hour, minute] = dated.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59) return null;
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return fromWallTime(year, month, day, hour, minute, timeZone);
}

interface WallFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

/** The calendar fields a clock in `timeZone` shows at `at`. */
function wallFields(at: number, timeZone: string): WallFields {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((p) => p.type === type)?.value ?? '0');
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
  };
}

/** How far `timeZone` is ahead of UTC at `at`, in ms (whole minutes). */
function offsetAt(at: number, timeZone: string): number {
  const f = wallFields(at, timeZone);
  const asUtc = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute);
  return asUtc - Math.floor(at / 60_000) * 60_000;
}

/** The instant a clock in `timeZone` shows this wall time (the earlier one when it shows it twice). */
function fromWallTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  timeZone: string,
): number {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  const first = asUtc - offsetAt(asUtc, timeZone);
  const second = asUtc - offsetAt(first, timeZone);
  return Math.min(first, second);
}

/**
 * Telegram's words: `list` (or nothing) is the list; `cancel <monitor>`; otherwise `<monitor>
 * <start> <duration>`, read from the end: the last word is the duration, before it the start
 * (`now`, `HH:MM`, or a date and `HH:MM` as two words, in any of our languages' digits), and the
 * rest the monitor's name.
 */
function maintenanceArguments(tokens: readonly string[]): CommandArgs {
  const first = tokens[0]?.toLowerCase();
  if (first === undefined || (first === 'list' && tokens.length === 1)) return { action: 'list' };
  if (first === 'cancel') return present({ action: 'cancel', name: tokens.slice(1).join(' ') });
  // `set` may be written, as Discord's sub-command is called.
  const rest = first === 'set' ? tokens.slice(1) : [...tokens];
  const duration = rest.length > 1 ? rest.pop() : undefined;
  let start = rest.length > 1 ? rest.pop() : undefined;
  const before = rest.at(-1);
  if (
    start !== undefined &&
    CLOCK.test(toAsciiDigits(start)) &&
    rest.length > 1 &&
    before !== undefined &&
    /^\d{4}-\d{2}-\d{2}$/.test(toAsciiDigits(before))
  )
    start = `${rest.pop()} ${start}`;
  return present({ action: 'set', name: rest.join(' '), start, duration });
}

function present(args: Readonly<Record<string, string | undefined>>): CommandArgs {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(args)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

/** The monitor a window is set on or cancelled for: one of the community's, completed as typed. */
function monitorNameArg(): ArgSpec {
  return {
    kind: 'string',
    name: 'name',
    text: 'maintenanceMonitor',
    required: true,
    maxLength: MAX_MONITOR_NAME_CHARS,
    autocomplete: 'monitor',
  };
}

export const maintenanceCommand: CommandDefinition = {
  name: 'maintenance',
  who: 'admins',
  surface: 'menu',
  description: "Plan maintenance of this server's own monitors (no alerts meanwhile), cancel it, or list",
  subcommands: [
    {
      name: 'set' satisfies MaintenanceAction,
      text: 'maintenanceSet',
      args: [
        monitorNameArg(),
        {
          kind: 'string',
          name: 'start',
          text: 'maintenanceStart',
          required: true,
          maxLength: MAX_MAINTENANCE_START_CHARS,
        },
        {
          kind: 'duration',
          name: 'duration',
          text: 'maintenanceDuration',
          required: true,
          maxLength: MAX_MAINTENANCE_DURATION_CHARS,
        },
      ],
    },
    {
      name: 'cancel' satisfies MaintenanceAction,
      text: 'maintenanceCancel',
      args: [monitorNameArg()],
    },
    { name: 'list' satisfies MaintenanceAction, text: 'maintenanceList' },
  ],
  text: maintenanceArguments,
  help: ['maintenance'],
  // With custom monitors off, /maintenance only says so: no need to ask the platform who is admin.
  answersWithoutAdmin: (deps) => deps.monitors === undefined,
  handle: maintenance,
};
