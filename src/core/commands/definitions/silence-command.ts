import { parseDuration } from '../../duration.js';
import type { CommandDefinition } from '../command-definition.js';
import { echo, type CommandContext } from '../command-context.js';
import type { CommandArgs, CommandReply } from '../command-request.js';
import { isOffWord, toAsciiDigits } from '../settings-input.js';

/** What `/silence` does (the `action` argument, Discord's sub-commands). */
export const SILENCE_ACTIONS = ['set', 'off', 'list'] as const;
export type SilenceAction = (typeof SILENCE_ACTIONS)[number];

/** The shortest silence: less is what the alert's "Mute 1h" button is for. */
export const MIN_SILENCE_MS = 10 * 60_000;
/** The longest silence: a chat that wants no alerts for longer unsubscribes. */
export const MAX_SILENCE_MS = 7 * 86_400_000;
/** A duration such as `2h` or `1d`; anything longer is not one. */
export const MAX_SILENCE_DURATION_CHARS = 16;

/**
 * `/silence <service|all> <duration>`, `/silence off [service|all]`, `/silence` (the list). A
 * silence of `all` is the chat's mute (`mutedUntil`, as the alert's "Mute 1h" button sets it): its
 * alerts are held until it ends, then released as one summary. A silence of one service keeps
 * everything about that service from this chat until it ends (the outbox sets its rows aside,
 * core/delivery/silences.ts); then an incident still open is alerted, and one that opened and
 * recovered meanwhile is never shown here. Setting either replaces the one in place, so an admin may
 * also shorten it; `off` ends it at once.
 *
 * | args                                  | reply                                        |
 * |---------------------------------------|----------------------------------------------|
 * | none, or `list`                       | `silences`: the mute's end and each service's, or none |
 * | `set` without service, bad service    | `missingArgument` / `unknownService`         |
 * | `set` without duration, or outside 10m..7d | `invalidSilenceDuration`                |
 * | `set all <duration>`                  | `silenced` with its end                      |
 * | `set <service> <duration>`            | `serviceSilenced` with its end               |
 * | `off` (`all` or nothing)              | `silenceEnded`, or `notSilenced`             |
 * | `off <service>`                       | `serviceSilenceEnded`, or `serviceNotSilenced` |
 * | `set`/`off` naming one service, no silence store | `silenceOneService`               |
 */
async function silence(c: CommandContext, args: CommandArgs): Promise<CommandReply> {
  const m = c.m.commands;
  const action = silenceAction(args.action);
  const chat = c.request.chat;
  const store = c.deps.silences;
  const mutedUntil =
    c.settings.mutedUntil !== null && c.settings.mutedUntil > c.now ? c.settings.mutedUntil : null;
  if (action === 'list') {
    const services = store === undefined ? [] : await store.listSilences(chat, c.now);
    return c.info(
      m.silences({
        allUntil: mutedUntil,
        services: services.map((s) => ({ serviceName: c.serviceName(s.serviceId), until: s.endsAt })),
        timeZone: c.settings.timeZone,
      }),
    );
  }
  // `/silence off` alone ends the chat's mute, as `/silence off all` does.
  const service = c.service('silence', args.service, action === 'set');
  if (service.kind === 'reply') return service.reply;
  if (service.kind === 'service' && store === undefined)
    return c.problem(m.silenceOneService({ serviceName: service.name }));
  if (action === 'off') {
    if (service.kind === 'service' && store !== undefined) {
      const ended = await store.endSilence(chat, service.id, c.now);
      return ended
        ? c.info(m.serviceSilenceEnded({ serviceName: service.name }))
        : c.problem(m.serviceNotSilenced({ serviceName: service.name }));
    }
    if (mutedUntil === null) return c.problem(m.notSilenced());
    await c.deps.subscriptions.updateSettings(chat, { mutedUntil: null }, c.now);
    return c.info(m.silenceEnded());
  }
  const given = args.duration?.trim() ?? '';
  // Digits may be the chat's own (`২h`), as /settings reads them.
  const ms = parseDuration(toAsciiDigits(given));
  if (ms === null || ms < MIN_SILENCE_MS || ms > MAX_SILENCE_MS) {
    return c.problem(m.invalidSilenceDuration({ given: given === '' ? null : echo(given) }));
  }
  const until = c.now + ms;
  if (service.kind === 'service' && store !== undefined) {
    await store.setSilence(chat, service.id, until, c.now);
    return c.info(m.serviceSilenced({ serviceName: service.name, until, timeZone: c.settings.timeZone }));
  }
  const settings = await c.deps.subscriptions.updateSettings(chat, { mutedUntil: until }, c.now);
  return c.info(m.silenced({ until, timeZone: settings.timeZone }));
}

function silenceAction(given: string | undefined): SilenceAction {
  const action = given?.toLowerCase();
  return SILENCE_ACTIONS.find((a) => a === action) ?? 'list';
}

/**
 * Telegram's words: nothing or `list` is the list; `off <service|all>` (`off` also in any of our
 * languages' off words, `বন্ধ`, `बंद`, as /settings reads them); otherwise `<service|all>
 * <duration>`, where the last word is the duration when it starts with a digit of any script (so
 * `/silence all 2x` is answered as a bad duration, not as an unknown service "all 2x", and
 * `/silence all ২h` is a duration).
 */
function silenceArguments(tokens: readonly string[]): CommandArgs {
  const first = tokens[0]?.toLowerCase();
  if (first === undefined || (first === 'list' && tokens.length === 1)) return { action: 'list' };
  if (first !== undefined && isOffWord(first))
    return present({ action: 'off', service: tokens.slice(1).join(' ') });
  const last = tokens.at(-1) ?? '';
  const withDuration = tokens.length > 1 && /^\p{Nd}/u.test(last);
  return present({
    action: 'set',
    service: (withDuration ? tokens.slice(0, -1) : tokens).join(' '),
    duration: withDuration ? last : undefined,
  });
}

function present(args: Readonly<Record<string, string | undefined>>): CommandArgs {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(args)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

export const silenceCommand: CommandDefinition = {
  name: 'silence',
  who: 'admins',
  surface: 'menu',
  description: 'Silence one service or all alerts in this channel for a while (10m to 7d), end it, or list',
  subcommands: [
    {
      name: 'set' satisfies SilenceAction,
      text: 'silenceSet',
      args: [
        { kind: 'service', name: 'service', text: 'serviceOrAll', required: true, all: true },
        {
          kind: 'duration',
          name: 'duration',
          text: 'silenceDuration',
          required: true,
          maxLength: MAX_SILENCE_DURATION_CHARS,
        },
      ],
    },
    {
      name: 'off' satisfies SilenceAction,
      text: 'silenceOff',
      args: [{ kind: 'service', name: 'service', text: 'serviceOrAll', all: true }],
    },
    { name: 'list' satisfies SilenceAction, text: 'silenceList' },
  ],
  text: silenceArguments,
  help: ['silence'],
  handle: silence,
};
