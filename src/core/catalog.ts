import type { ConfirmPolicy, FlapPolicy } from './detection/monitor-state.js';
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
}

export interface ServiceDef {
  readonly id: string;
  readonly name: string;
  /** Shared infrastructure: services of one group fail together and alert together. */
  readonly group: string | null;
  readonly quorum: number | null;
  readonly crowd: boolean;
  readonly monitorIds: readonly string[];
}

export interface Catalog {
  readonly services: readonly ServiceDef[];
  readonly monitors: readonly MonitorDef[];
}

/**
 * Ids of services added from chat start with this. Such a service belongs to one
 * community: an "all services" subscription elsewhere does not cover it.
 */
export const CHAT_SERVICE_PREFIX = 'chat-';

export function isChatServiceId(serviceId: string): boolean {
  return serviceId.startsWith(CHAT_SERVICE_PREFIX);
}
