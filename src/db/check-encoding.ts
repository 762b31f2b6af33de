/**
 * Packed encodings of check history, so that 1,000 monitors checked every minute stay under
 * 100 MB a year (the storage target in the README). Unsigned LEB128 varints throughout.
 *
 * Raw check (in an hourly chunk): `[status<<5 | reason] [varint ms into the hour] [varint latency+1, 0 = none]`.
 * Roll-up day (v2, migration 005): 24 slots in hour order; each slot is `[varint count<<1 | troubled]`
 * (0 = no checks that hour), followed, when count > 0, by `[varint failures] [varint degraded]` only
 * if `troubled`, then `[varint p50+1] [varint p95+1]` (latency 0 = none measured). Most hours have
 * no failure, so they cost two bytes less than in v1, which always stored both counts: that is
 * what keeps a year of 1,000 monitors under 100 MB (`npm run bench storage`).
 */
import { OUTCOME_REASONS, type OutcomeReason, type ProbeOutcome } from '../core/model.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
const STATUS_CODES = ['up', 'degraded', 'down', 'unknown', 'maintenance'] as const;
const REASON_BITS = 5;

export interface RawCheck {
  readonly at: number;
  readonly status: ProbeOutcome['status'];
  readonly reason: OutcomeReason;
  readonly latencyMs: number | null;
}

export interface HourBucket {
  readonly count: number;
  readonly failures: number;
  readonly degraded: number;
  readonly p50: number | null;
  readonly p95: number | null;
}

function pushVarint(out: number[], value: number): void {
  let v = Math.max(0, Math.floor(value));
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function readVarint(buf: Uint8Array, pos: { i: number }): number {
  let result = 0;
  let scale = 1;
  for (;;) {
    const byte = buf[pos.i++];
    if (byte === undefined) throw new RangeError('truncated varint');
    result += (byte & 0x7f) * scale;
    if (byte < 0x80) return result;
    scale *= 128;
  }
}

export function encodeCheck(check: RawCheck): Buffer {
  const out: number[] = [];
  const reason = OUTCOME_REASONS.indexOf(check.reason);
  out.push((STATUS_CODES.indexOf(check.status) << REASON_BITS) | Math.max(0, reason));
  pushVarint(out, check.at - hourOf(check.at) * HOUR_MS);
  pushVarint(out, check.latencyMs === null ? 0 : Math.round(check.latencyMs) + 1);
  return Buffer.from(out);
}

export function decodeChunk(hour: number, data: Uint8Array): RawCheck[] {
  const checks: RawCheck[] = [];
  const pos = { i: 0 };
  while (pos.i < data.length) {
    const head = data[pos.i++] ?? 0;
    const offset = readVarint(data, pos);
    const latency = readVarint(data, pos);
    checks.push({
      at: hour * HOUR_MS + offset,
      status: STATUS_CODES[head >> REASON_BITS] ?? 'unknown',
      reason: OUTCOME_REASONS[head & ((1 << REASON_BITS) - 1)] ?? 'error',
      latencyMs: latency === 0 ? null : latency - 1,
    });
  }
  return checks;
}

export const hourOf = (at: number): number => Math.floor(at / HOUR_MS);
export const dayOf = (at: number): number => Math.floor(at / DAY_MS);

/** Summarises one hour of checks. Percentiles by nearest rank over measured latencies. */
export function summariseHour(checks: readonly RawCheck[]): HourBucket {
  const latencies = checks.flatMap((c) => (c.latencyMs === null ? [] : [c.latencyMs])).sort((a, b) => a - b);
  const rank = (p: number): number | null =>
    latencies.length === 0
      ? null
      : (latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)] ?? null);
  return {
    count: checks.length,
    failures: checks.filter((c) => c.status === 'down').length,
    degraded: checks.filter((c) => c.status === 'degraded').length,
    p50: rank(0.5),
    p95: rank(0.95),
  };
}

export function encodeDay(buckets: readonly (HourBucket | null)[]): Buffer {
  const out: number[] = [];
  for (const b of buckets) {
    if (!b || b.count === 0) {
      out.push(0);
      continue;
    }
    const troubled = b.failures > 0 || b.degraded > 0;
    pushVarint(out, Math.floor(b.count) * 2 + (troubled ? 1 : 0));
    if (troubled) {
      pushVarint(out, b.failures);
      pushVarint(out, b.degraded);
    }
    pushVarint(out, b.p50 === null ? 0 : b.p50 + 1);
    pushVarint(out, b.p95 === null ? 0 : b.p95 + 1);
  }
  return Buffer.from(out);
}

/** Decodes a day into its hourly slots (index = hour of day); missing hours are null. */
export function decodeDay(data: Uint8Array): (HourBucket | null)[] {
  const slots: (HourBucket | null)[] = [];
  const pos = { i: 0 };
  while (pos.i < data.length) {
    const head = readVarint(data, pos);
    if (head === 0) {
      slots.push(null);
      continue;
    }
    const troubled = head % 2 === 1;
    const failures = troubled ? readVarint(data, pos) : 0;
    const degraded = troubled ? readVarint(data, pos) : 0;
    slots.push(readLatencies(data, pos, Math.floor(head / 2), failures, degraded));
  }
  return slots;
}

function readLatencies(
  data: Uint8Array,
  pos: { i: number },
  count: number,
  failures: number,
  degraded: number,
): HourBucket {
  const p50 = readVarint(data, pos);
  const p95 = readVarint(data, pos);
  return { count, failures, degraded, p50: p50 === 0 ? null : p50 - 1, p95: p95 === 0 ? null : p95 - 1 };
}

/**
 * Decodes a day in the v1 layout (every slot `[count] [failures] [degraded] [p50+1] [p95+1]`), for
 * migration 005 only.
 */
export function decodeDayV1(data: Uint8Array): (HourBucket | null)[] {
  const slots: (HourBucket | null)[] = [];
  const pos = { i: 0 };
  while (pos.i < data.length) {
    const count = readVarint(data, pos);
    if (count === 0) {
      slots.push(null);
      continue;
    }
    const failures = readVarint(data, pos);
    const degraded = readVarint(data, pos);
    slots.push(readLatencies(data, pos, count, failures, degraded));
  }
  return slots;
}
