import type { OfficialSnapshot } from '../core/official.js';
import { htmlToPlainText, MAX_OFFICIAL_TEXT_CHARS } from './plain-text.js';

/**
 * Text from a status feed ends up in chat alerts. Bidirectional overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069), the directional marks (U+200E, U+200F, U+061C) and control
 * characters can reorder or hide what an alert says, so every text a parser outputs goes
 * through `cleanText`. See docs/status-sources.md "Text sanitising".
 */

/** Bidi controls, marks, stray BOMs and line/paragraph separators: removed. */
const INVISIBLE = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g;
/** C0 and C1 controls (tabs and newlines included) and U+2028/U+2029: turned into a space. */
// eslint-disable-next-line no-control-regex -- this pattern exists to find control characters
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g;

/** Removes bidi controls and control characters, collapses whitespace, trims. */
export function cleanText(text: string): string {
  return text.replace(INVISIBLE, '').replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
}

/** An upstream HTML fragment as short, clean plain text (entities decoded before cleaning). */
export function plainText(html: string, maxChars: number = MAX_OFFICIAL_TEXT_CHARS): string {
  return cleanText(htmlToPlainText(html, maxChars));
}

/**
 * Every human-readable text of a snapshot cleaned: component and group names, incident titles,
 * affected component names, last messages and the problem. Ids and URLs are left as they are.
 */
export function sanitizeSnapshot(snapshot: OfficialSnapshot): OfficialSnapshot {
  return {
    ...snapshot,
    components: snapshot.components.map((component) => ({
      ...component,
      name: cleanText(component.name),
      ...(component.groupName === undefined ? {} : { groupName: cleanText(component.groupName) }),
    })),
    incidents: snapshot.incidents.map((incident) => ({
      ...incident,
      title: cleanText(incident.title),
      componentNames: incident.componentNames.map(cleanText),
      ...(incident.lastMessage === undefined ? {} : { lastMessage: cleanText(incident.lastMessage) }),
    })),
    ...(snapshot.problem === undefined ? {} : { problem: cleanText(snapshot.problem) }),
  };
}
