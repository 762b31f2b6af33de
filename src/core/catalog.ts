import type { ConfirmPolicy, FlapPolicy } from './detection/monitor-state.js';
import type { MaintenanceWindow } from './detection/maintenance.js';
import type { MonitorRole } from './detection/service-status.js';

/** A monitor as the engine sees it: what it checks is the scheduler's business, not the core's. */
export interface MonitorDef {
  readonly id: string;
  /** null for control targets (our own vantage point). */
  readonly serviceId: string | null;
  readonly type: string;
  readonly role: MonitorRole;
  readonly target: string;
  readonly intervalMs: number;
  /** The probe's timeout: with the interval, it bounds how fast a learned confirmation can come in. */
  readonly timeoutMs?: number;
  readonly confirm: ConfirmPolicy;
  readonly flap: FlapPolicy;
  /**
   * `all` when every instance probes this monitor and its service's owner fuses their votes
   * (a probe monitor of a service with `vantages: all`, docs/cluster.md); absent otherwise: only
   * the owner probes it.
   */
  readonly vantages?: 'all';
}

/**
 * Who probes a service's monitors when several instances share one PostgreSQL (docs/cluster.md):
 * `owner`, the one instance that runs its detection (the default), or `all` instances, each from
 * its own vantage point, a majority of them deciding it is down.
 */
export const VANTAGE_MODES = ['owner', 'all'] as const;
export type VantageMode = (typeof VANTAGE_MODES)[number];

export interface ServiceDef {
  readonly id: string;
  readonly name: string;
  /** Shared infrastructure: services of one group fail together and alert together. */
  readonly group: string | null;
  readonly quorum: number | null;
  readonly crowd: boolean;
  readonly monitorIds: readonly string[];
  /** `all`: every instance probes its monitors (see VANTAGE_MODES); absent: `owner`. */
  readonly vantages?: 'all';
}

export interface Catalog {
  readonly services: readonly ServiceDef[];
  readonly monitors: readonly MonitorDef[];
  /** Planned maintenance windows of the services file (docs/detection.md); absent: none. */
  readonly maintenance?: readonly MaintenanceWindow[];
}

/**
 * Ids of services added from chat start with this. Such a service belongs to one
 * community: an "all services" subscription elsewhere does not cover it.
 */
export const CHAT_SERVICE_PREFIX = 'chat-';

export function isChatServiceId(serviceId: string): boolean {
  return serviceId.startsWith(CHAT_SERVICE_PREFIX);
}
