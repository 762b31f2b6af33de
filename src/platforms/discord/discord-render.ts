import {
  buttonPayload,
  isWebUrl,
  type AlertButtonKind,
  type AlertMessage,
} from '../../core/alert-message.js';
import { messagesFor } from '../../core/i18n/index.js';
import { ELLIPSIS, fitLines, toPlainLine, toPlainText, truncateText } from '../../core/i18n/text-fit.js';
import type { State } from '../../core/model.js';

/**
 * Alerts and replies as Discord API JSON (`POST /channels/{id}/messages`, interaction replies).
 * Pure, and free of discord.js: the sender passes the object on. Text from outside is escaped so
 * it never becomes markdown, and `@`/`<` get a zero-width space so it never becomes a mention,
 * even though `allowed_mentions` already forbids every mention but the admin's role.
 */

// Limits from docs/platforms.md §1.1 (discord-api-docs resources/message.mdx "Create Message", "Embed Limits").
export const MAX_DISCORD_CONTENT_CHARS = 2000;
export const MAX_DISCORD_EMBED_TITLE_CHARS = 256;
export const MAX_DISCORD_EMBED_DESCRIPTION_CHARS = 4096;
export const MAX_DISCORD_EMBED_FIELDS = 25;
export const MAX_DISCORD_FIELD_NAME_CHARS = 256;
export const MAX_DISCORD_FIELD_VALUE_CHARS = 1024;
export const MAX_DISCORD_FOOTER_CHARS = 2048;
/** Title, description, field names and values, footer and author of all embeds together. */
export const MAX_DISCORD_EMBED_TOTAL_CHARS = 6000;
/** Component `custom_id`: 1-100 characters (discord-api-docs components/reference.mdx "Button"). */
export const MAX_DISCORD_CUSTOM_ID_CHARS = 100;
/** Button `label`: at most 80 characters (components/reference.mdx "Button"). */
export const MAX_DISCORD_BUTTON_LABEL_CHARS = 80;
/** Our cap on one evidence line, so one line cannot crowd out the rest. */
const MAX_LINE_CHARS = 1024;

export const COLOUR_DOWN = 0xe74c3c;
export const COLOUR_DEGRADED = 0xe67e22;
export const COLOUR_MAINTENANCE = 0x3498db;
export const COLOUR_UNKNOWN = 0x95a5a6;
export const COLOUR_UP = 0x2ecc71;
const STATE_COLOUR: Readonly<Record<State, number>> = {
  down: COLOUR_DOWN,
  degraded: COLOUR_DEGRADED,
  maintenance: COLOUR_MAINTENANCE,
  unknown: COLOUR_UNKNOWN,
  up: COLOUR_UP,
};

/** Component types and button styles of the Discord API. */
const ACTION_ROW = 1;
const BUTTON = 2;
const BUTTON_STYLE: Readonly<Record<AlertButtonKind, number>> = { report: 1, mute: 2 }; // primary, secondary

export interface DiscordEmbed {
  readonly title: string;
  readonly description?: string;
  readonly color: number;
  readonly fields: readonly { readonly name: string; readonly value: string; readonly inline?: boolean }[];
  readonly footer: { readonly text: string };
  readonly timestamp: string;
}

export interface DiscordButton {
  readonly type: typeof BUTTON;
  readonly style: number;
  readonly label: string;
  readonly custom_id: string;
}

export interface DiscordAllowedMentions {
  readonly parse: readonly [];
  readonly roles?: readonly string[];
}

export interface DiscordAlert {
  readonly content?: string;
  readonly embeds: readonly [DiscordEmbed];
  readonly components: readonly {
    readonly type: typeof ACTION_ROW;
    readonly components: readonly DiscordButton[];
  }[];
  readonly allowed_mentions: DiscordAllowedMentions;
}

/** Markdown characters escaped with a backslash (Discord unescapes any backslash-punctuation pair). */
const MARKDOWN = /[\\*_~`|>[\]()#-]/;
const ZERO_WIDTH_SPACE = '\u200b';

function escapeCodePoint(ch: string): string {
  if (ch === '@' || ch === '<') return `${ch}${ZERO_WIDTH_SPACE}`;
  return MARKDOWN.test(ch) ? `\\${ch}` : ch;
}

/**
 * Escapes plain text for Discord markdown and breaks every mention (`@everyone`, `@here`,
 * `<@id>`, `<@&id>`, `<#id>`) with a zero-width space. With `max`, the escaped text is cut between
 * escapes (never between a backslash and its character) to at most `max` characters, ending in `…`.
 */
export function escapeDiscordMarkdown(plain: string, max = Number.POSITIVE_INFINITY): string {
  const units = Array.from(plain, escapeCodePoint);
  const full = units.join('');
  if (full.length <= max) return full;
  let out = '';
  for (const unit of units) {
    if (out.length + unit.length > max - ELLIPSIS.length) break;
    out += unit;
  }
  return max < ELLIPSIS.length ? '' : `${out}${ELLIPSIS}`;
}

/** Footers render neither markdown nor mentions, so escapes would show; mentions are broken all the same. */
function breakMentions(plain: string, max: number): string {
  return truncateText(plain.replace(/[@<]/g, `$&${ZERO_WIDTH_SPACE}`), max);
}

const SNOWFLAKE = /^\d{17,20}$/;

/**
 * An alert as one embed with a colour by state, evidence in the description, the start time (and
 * duration of a recovery) as Discord timestamps and text, and the report/mute buttons (none on a
 * recovery). `mentionRoleId` is pinged, as the only mention, when the alert is a major outage;
 * an id that is not a snowflake is ignored. Every limit of `MAX_DISCORD_*` holds for any input.
 */
export function renderDiscordAlert(
  alert: AlertMessage,
  options: { readonly mentionRoleId?: string } = {},
): DiscordAlert {
  const m = messagesFor(alert.locale);
  const title = escapeDiscordMarkdown(toPlainLine(alert.title), MAX_DISCORD_EMBED_TITLE_CHARS);
  const footer = breakMentions(toPlainLine(alert.footer), MAX_DISCORD_FOOTER_CHARS);
  const fields = alertFields(alert, m.alert).slice(0, MAX_DISCORD_EMBED_FIELDS);
  const fixed =
    title.length + footer.length + fields.reduce((sum, f) => sum + f.name.length + f.value.length, 0);
  const budget = Math.max(
    0,
    Math.min(MAX_DISCORD_EMBED_DESCRIPTION_CHARS, MAX_DISCORD_EMBED_TOTAL_CHARS - fixed),
  );
  const lines = fitLines(alert.lines, budget, {
    render: (plain, max) => escapeDiscordMarkdown(`• ${toPlainLine(plain)}`, max),
    measure: (rendered) => rendered.length,
    more: (count) => escapeDiscordMarkdown(m.alert.moreLines({ count })),
    separatorCost: 1,
    maxLineCost: MAX_LINE_CHARS,
  });
  const embed: DiscordEmbed = {
    title,
    ...(lines.length === 0 ? {} : { description: lines.join('\n') }),
    color: STATE_COLOUR[alert.state],
    fields,
    footer: { text: footer },
    timestamp: new Date(alert.at).toISOString(),
  };
  const buttons = alert.buttons.map((b): DiscordButton => ({
    type: BUTTON,
    style: BUTTON_STYLE[b.kind],
    label: truncateText(toPlainLine(b.label), MAX_DISCORD_BUTTON_LABEL_CHARS) || ZERO_WIDTH_SPACE,
    custom_id: buttonPayload(b.kind, b.serviceId, MAX_DISCORD_CUSTOM_ID_CHARS),
  }));
  const role = options.mentionRoleId;
  const ping = role !== undefined && SNOWFLAKE.test(role) && isMajorOutage(alert);
  return {
    ...(ping ? { content: `<@&${role}>` } : {}),
    embeds: [embed],
    components: buttons.length === 0 ? [] : [{ type: ACTION_ROW, components: buttons }],
    allowed_mentions: ping ? { parse: [], roles: [role] } : { parse: [] },
  };
}

const isMajorOutage = (alert: AlertMessage): boolean =>
  alert.state === 'down' && alert.severity === 'major' && alert.change !== 'resolved';

function alertFields(
  alert: AlertMessage,
  labels: ReturnType<typeof messagesFor>['alert'],
): DiscordEmbed['fields'] {
  const field = (name: string, value: string, inline: boolean): DiscordEmbed['fields'][number] => ({
    // Discord rejects an empty field name.
    name: escapeDiscordMarkdown(toPlainLine(name), MAX_DISCORD_FIELD_NAME_CHARS) || ZERO_WIDTH_SPACE,
    value,
    inline,
  });
  const unix = Math.floor(alert.since / 1000);
  const fields = [field(labels.sinceLabel, `<t:${unix}:f> (<t:${unix}:R>)`, true)];
  if (alert.durationText !== undefined) {
    const value = escapeDiscordMarkdown(toPlainLine(alert.durationText), MAX_DISCORD_FIELD_VALUE_CHARS);
    fields.push(field(labels.durationLabel, value, true));
  }
  for (const link of alert.links.filter((l) => isWebUrl(l.url))) {
    // A masked link: the visible host is escaped, and parentheses in the URL would end the link early.
    const url = new URL(link.url);
    const href = url.href.replace(/\(/g, '%28').replace(/\)/g, '%29');
    const value = `[${escapeDiscordMarkdown(url.host)}](${href})`;
    if (value.length <= MAX_DISCORD_FIELD_VALUE_CHARS) fields.push(field(link.label, value, false));
  }
  return fields;
}

/**
 * A command reply as message JSON: escaped, mentions broken and disallowed, cut to
 * `MAX_DISCORD_CONTENT_CHARS`. The caller must not send an empty reply (Discord error 50006).
 */
export function renderDiscordText(plain: string): {
  readonly content: string;
  readonly allowed_mentions: DiscordAllowedMentions;
} {
  return {
    content: escapeDiscordMarkdown(toPlainText(plain), MAX_DISCORD_CONTENT_CHARS),
    allowed_mentions: { parse: [] },
  };
}

/**
 * A still-down reminder's message (`/settings remind`): the line as escaped plain text, led by the
 * chat's role when it chose one (a snowflake), which is then the only mention allowed; otherwise
 * it mentions nobody.
 */
export function renderDiscordReminder(
  plain: string,
  mentionRoleId: string | null,
): { readonly content: string; readonly allowed_mentions: DiscordAllowedMentions } {
  const ping = mentionRoleId !== null && SNOWFLAKE.test(mentionRoleId);
  const line = escapeDiscordMarkdown(toPlainText(plain), MAX_DISCORD_CONTENT_CHARS - (ping ? 32 : 0));
  return ping
    ? { content: `<@&${mentionRoleId}> ${line}`, allowed_mentions: { parse: [], roles: [mentionRoleId] } }
    : { content: line, allowed_mentions: { parse: [] } };
}
