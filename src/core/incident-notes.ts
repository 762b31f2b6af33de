import type { Awaitable } from './awaitable.js';
import { type IncidentEvent, NOTE_MARKS, type NoteMark } from './events.js';
import type { Evidence } from './detection/service-status.js';
import type { Severity, State } from './model.js';

/**
 * Notes on incidents (`/note`): an operator's or a community admin's word about an incident, shown
 * in the chat alerts, on the status page and in the API. A mark is the author's word only: a
 * `resolved` note never closes the incident (detection does).
 */

export { NOTE_MARKS, type AlertNote, type NoteMark } from './events.js';

export function isNoteMark(value: string): value is NoteMark {
  return (NOTE_MARKS as readonly string[]).includes(value);
}

/** Longest note text, in characters (code points). */
export const MAX_NOTE_CHARS = 500;
/** Longest author name stored with a note. */
export const MAX_NOTE_AUTHOR_CHARS = 64;
/** With no open incident, a note attaches to the service's latest one if it resolved this recently. */
export const NOTE_RECENT_MS = 24 * 60 * 60 * 1000;

/** One stored note. */
export interface IncidentNote {
  readonly id: number;
  readonly incidentId: number;
  readonly serviceId: string;
  readonly at: number;
  /** The author's display name as the platform gave it (plain text; renderers escape it). */
  readonly authorName: string;
  readonly mark: NoteMark | null;
  readonly text: string;
}

/** The incident a note was attached to, as an alert's update event needs it. */
export interface NotedIncident {
  readonly id: number;
  readonly severity: Severity;
  readonly status: State;
  readonly startedAt: number;
  /** null while open. */
  readonly resolvedAt: number | null;
  readonly evidence: readonly Evidence[];
}

export interface NoteInput {
  readonly serviceId: string;
  readonly at: number;
  readonly author: { readonly platform: string; readonly id: string; readonly name: string };
  readonly mark: NoteMark | null;
  readonly text: string;
}

export type NoteAddOutcome =
  | {
      readonly kind: 'added';
      readonly note: IncidentNote;
      readonly incident: NotedIncident;
      /** The `updated` event queued for the incident's chats (an open incident's alert shows the note). */
      readonly alert: IncidentEvent | null;
    }
  /** No open incident, and none resolved within {@link NOTE_RECENT_MS}. */
  | { readonly kind: 'no-incident' };

/** Where notes are kept (both storage backends). */
export interface NoteStore {
  /**
   * Attaches a note to the service's open incident, or else to its latest one if that resolved
   * within {@link NOTE_RECENT_MS} of `input.at`.
   */
  addNote(input: NoteInput): Awaitable<NoteAddOutcome>;
  /** The notes of these incidents, oldest first. */
  notesOf(incidentIds: readonly number[]): Awaitable<IncidentNote[]>;
}

/**
 * Splits `/note` words into an optional leading mark and the text: `identified: bad deploy`,
 * `identified bad deploy` or just `bad deploy`. A mark alone (nothing after it) is text.
 */
export function splitNoteMark(words: string): { mark: NoteMark | null; text: string } {
  const trimmed = words.trim();
  const match = /^([A-Za-z]+):?(?:\s+|:)([\s\S]*)$/u.exec(trimmed);
  if (match !== null) {
    const word = (match[1] ?? '').toLowerCase();
    const rest = (match[2] ?? '').trim();
    if (isNoteMark(word) && rest !== '') return { mark: word, text: rest };
  }
  return { mark: null, text: trimmed };
}

/**
 * The events of an alert with each open incident's latest note attached, so that every later edit
 * of the alert (a detection update, a grouped alert) still shows it. `notes` oldest first (as
 * {@link NoteStore.notesOf} gives them); an event that carries a note keeps its own, and a
 * recovery carries none (the alert it replies to shows the note).
 */
export function withLatestNotes(
  events: readonly IncidentEvent[],
  notes: readonly IncidentNote[],
): IncidentEvent[] {
  const latest = new Map<number, IncidentNote>();
  for (const note of notes) latest.set(note.incidentId, note);
  return events.map((event) => {
    const note = latest.get(event.incidentId);
    if (note === undefined || event.note !== undefined || event.kind === 'resolved') return event;
    return { ...event, note: { authorName: note.authorName, mark: note.mark, text: note.text } };
  });
}
