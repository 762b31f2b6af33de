/**
 * One number per hour-of-week slot (`SLOTS_PER_WEEK` of them), as an immutable copy-on-write
 * table of chunks: setting one slot copies one chunk of `SLOTS_PER_CHUNK` entries and the chunk
 * list, not the whole week.
 *
 * Chunks and whole tables whose entries are all the same small whole number are shared. Most
 * services are never reported on: their mean table is all zeros and, once the baseline has seen
 * `SEASONAL_WEEKS` weeks, their week counts are all the cap. Without sharing, 10,000 such services
 * held two 2,016-entry arrays each (about 300 MB) and copied both at every window.
 */
import { SLOTS_PER_WEEK } from './crowd-window.js';

/** Four hours of 5-minute slots: 42 chunks a week. */
export const SLOTS_PER_CHUNK = 48;
const CHUNKS = SLOTS_PER_WEEK / SLOTS_PER_CHUNK;
/** Uniform chunks and tables of 0 … this value are shared (every week count, and a zero mean). */
const LARGEST_SHARED = 15;

/** A week of slot values, chunk by chunk. Never mutate it: shared chunks are frozen. */
export type SlotTable = readonly (readonly number[])[];

const isShared = (value: number): boolean => Number.isInteger(value) && value >= 0 && value <= LARGEST_SHARED;

const sharedChunks: readonly (readonly number[])[] = Array.from({ length: LARGEST_SHARED + 1 }, (_, value) =>
  Object.freeze(new Array<number>(SLOTS_PER_CHUNK).fill(value)),
);
const sharedTables: readonly SlotTable[] = sharedChunks.map((chunk) =>
  Object.freeze(new Array<readonly number[]>(CHUNKS).fill(chunk)),
);

/** A table with every slot `value` (shared when `value` is a small whole number). */
export function uniformSlotTable(value: number): SlotTable {
  const shared = isShared(value) ? sharedTables[value] : undefined;
  return shared ?? new Array<readonly number[]>(CHUNKS).fill(new Array<number>(SLOTS_PER_CHUNK).fill(value));
}

/** The value of `slot` (0 … `SLOTS_PER_WEEK - 1`); 0 outside the week. */
export function slotValue(table: SlotTable, slot: number): number {
  return table[Math.floor(slot / SLOTS_PER_CHUNK)]?.[slot % SLOTS_PER_CHUNK] ?? 0;
}

/** `table` with `slot` set to `value`; `table` itself when that changes nothing. */
export function withSlotValue(table: SlotTable, slot: number, value: number): SlotTable {
  const index = Math.floor(slot / SLOTS_PER_CHUNK);
  const chunk = table[index];
  if (chunk === undefined || chunk[slot % SLOTS_PER_CHUNK] === value) return table;
  const nextChunk = [...chunk];
  nextChunk[slot % SLOTS_PER_CHUNK] = value;
  const chunks = [...table];
  chunks[index] = share(nextChunk);
  return shareTable(chunks);
}

/** The shared chunk equal to `chunk`, or `chunk` itself. */
function share(chunk: readonly number[]): readonly number[] {
  const value = chunk[0] ?? 0;
  if (!isShared(value) || !chunk.every((v) => v === value)) return chunk;
  return sharedChunks[value] ?? chunk;
}

/** The shared table equal to `chunks` (already shared chunk by chunk), or `chunks` itself. */
function shareTable(chunks: SlotTable): SlotTable {
  const first = chunks[0];
  const uniform = first !== undefined && sharedChunks.includes(first) && chunks.every((c) => c === first);
  return uniform ? (sharedTables[first[0] ?? 0] ?? chunks) : chunks;
}

/** A table from `SLOTS_PER_WEEK` values, sharing what it can. */
export function slotTableFromValues(values: readonly number[]): SlotTable {
  const chunks: (readonly number[])[] = [];
  for (let start = 0; start < SLOTS_PER_WEEK; start += SLOTS_PER_CHUNK) {
    chunks.push(share(values.slice(start, start + SLOTS_PER_CHUNK)));
  }
  return shareTable(chunks);
}

/** Every slot's value, in slot order. */
export function slotTableValues(table: SlotTable): number[] {
  return table.flat();
}

/** A run of equal slots in the stored form: `[value, how many slots]`. */
export type SlotRun = readonly [value: number, length: number];

/** Runs of tables already encoded: tables never change, and the shared ones are stored often. */
const runsOf = new WeakMap<SlotTable, readonly SlotRun[]>();

/** The table as runs of equal values: `[[0, 2016]]` for a week of zeros. */
export function slotTableRuns(table: SlotTable): [value: number, length: number][] {
  const cached = runsOf.get(table);
  if (cached !== undefined) return cached.map(([value, length]) => [value, length]);
  const runs: [number, number][] = [];
  const extend = (value: number, length: number): void => {
    const last = runs.at(-1);
    if (last !== undefined && last[0] === value) last[1] += length;
    else runs.push([value, length]);
  };
  for (const chunk of table) {
    // A shared chunk is one value throughout: one step instead of 48.
    if (sharedChunks.includes(chunk)) extend(chunk[0] ?? 0, chunk.length);
    else for (const value of chunk) extend(value, 1);
  }
  runsOf.set(
    table,
    runs.map(([value, length]) => [value, length] as const),
  );
  return runs;
}

/** The table `runs` describe, or null unless they cover exactly `SLOTS_PER_WEEK` slots. */
export function slotTableFromRuns(runs: readonly SlotRun[]): SlotTable | null {
  const values: number[] = [];
  for (const [value, length] of runs) {
    if (!Number.isInteger(length) || length < 1 || values.length + length > SLOTS_PER_WEEK) return null;
    for (let i = 0; i < length; i++) values.push(value);
  }
  return values.length === SLOTS_PER_WEEK ? slotTableFromValues(values) : null;
}
