import type { OfficialComponent, OfficialIncident, OfficialSnapshot } from '../core/official.js';
import { severityFromIncidents, worstSeverity } from './severity.js';
import { quoteValue } from './upstream-payload.js';

/**
 * Restricts a snapshot to the components a monitor cares about (e.g. only "Git Operations" of
 * GitHub) and recomputes `overall` from them.
 *
 * - Names match case-insensitively on a component's name or its group's name.
 * - Incidents are kept when they touch a kept component (by id or name) or carry no component
 *   information at all (we cannot tell they are unrelated).
 * - When the source lists components, `overall` is the worst kept component: that is the
 *   page's own per-component verdict. None matching is a configuration problem, so `overall`
 *   becomes `unknown` with `problem` naming what was asked for, never a silent `ok`.
 * - When the source lists no components (Slack, Google, AWS, feeds, incident.io widget),
 *   `overall` is the worst kept incident.
 * - An empty `names` list, or a snapshot that was already unusable, is returned unchanged.
 */
export function filterComponents(snapshot: OfficialSnapshot, names: readonly string[]): OfficialSnapshot {
  const wanted = new Set(names.map(normalise).filter((name) => name !== ''));
  if (wanted.size === 0 || snapshot.problem !== undefined) return snapshot;
  const components = snapshot.components.filter((c) => isWanted(c, wanted));
  const keptIds = new Set(components.map((c) => c.id));
  const incidents = snapshot.incidents.filter((i) => touches(i, keptIds, wanted));
  const base = { ...snapshot, components, incidents };
  if (snapshot.components.length === 0) return { ...base, overall: severityFromIncidents(incidents) };
  if (components.length === 0) {
    const asked = [...wanted].map(quoteValue).join(', ');
    return { ...base, overall: 'unknown', problem: `no component named ${asked}` };
  }
  return { ...base, overall: worstSeverity(components.map((c) => c.severity)) };
}

function normalise(name: string): string {
  return name.trim().toLowerCase();
}

function isWanted(component: OfficialComponent, wanted: ReadonlySet<string>): boolean {
  if (wanted.has(normalise(component.name))) return true;
  return component.groupName !== undefined && wanted.has(normalise(component.groupName));
}

function touches(
  incident: OfficialIncident,
  keptIds: ReadonlySet<string>,
  wanted: ReadonlySet<string>,
): boolean {
  if (incident.componentIds.length === 0 && incident.componentNames.length === 0) return true;
  return (
    incident.componentIds.some((id) => keptIds.has(id)) ||
    incident.componentNames.some((name) => wanted.has(normalise(name)))
  );
}
