/**
 * Our own vantage point (docs/design.md §3): one machine sees the world through one network. When the
 * control targets fail, or most independent services fail within one round, the fault is ours:
 * those failures must not count against services, and only the operator is told.
 */

/** Below this many independent services seen in a round, "most of them failing" proves nothing. */
export const MIN_UNITS_FOR_MASS_FAILURE = 5;
/** Share of independent services failing in one round that points at our own network. */
export const MASS_FAILURE_SHARE = 0.5;

export interface RecentOutcome {
  /** Services sharing infrastructure (`group:`) count as one independent unit. */
  readonly unit: string;
  readonly failing: boolean;
  readonly at: number;
}

export interface VantageInput {
  /** Latest raw outcome of each control target within the round; empty when none configured yet. */
  readonly controls: readonly { readonly failing: boolean; readonly at: number }[];
  /** Latest raw outcome of each service monitor within the round. */
  readonly services: readonly RecentOutcome[];
  readonly at: number;
  readonly roundMs: number;
}

export type VantageVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly cause: 'control-failing' | 'mass-failure'; readonly detail: string };

/**
 * | controls in round          | independent units failing       | verdict              |
 * |----------------------------|---------------------------------|----------------------|
 * | majority failing           | any                             | not ok: control      |
 * | none / minority failing    | ≥ 5 units seen and > 50% failing | not ok: mass failure |
 * | none / minority failing    | otherwise                       | ok                   |
 */
export function assessVantage(input: VantageInput): VantageVerdict {
  const since = input.at - input.roundMs;
  const controls = input.controls.filter((c) => c.at >= since);
  const failingControls = controls.filter((c) => c.failing).length;
  if (controls.length > 0 && failingControls * 2 > controls.length) {
    return {
      ok: false,
      cause: 'control-failing',
      detail: `${failingControls}/${controls.length} control targets failing`,
    };
  }
  const units = new Map<string, boolean>();
  for (const o of input.services) {
    if (o.at < since) continue;
    // A unit is failing if any of its monitors failed in the round: shared infrastructure fails together.
    units.set(o.unit, (units.get(o.unit) ?? false) || o.failing);
  }
  const failing = [...units.values()].filter(Boolean).length;
  if (units.size >= MIN_UNITS_FOR_MASS_FAILURE && failing / units.size > MASS_FAILURE_SHARE) {
    return {
      ok: false,
      cause: 'mass-failure',
      detail: `${failing}/${units.size} independent services failing at once`,
    };
  }
  return { ok: true };
}
