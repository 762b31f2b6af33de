import type { Evidence } from '../detection/service-status.js';
import type { SubscriptionStore } from '../delivery/ports.js';
import type { Severity, State } from '../model.js';

/**
 * What the command use cases read and write, as narrow contracts. Each one is a slice of
 * something that already exists, so the composition root passes the real objects directly:
 * the loaded `Catalog`, `SqliteSubscriptionStore`, `DetectionEngine`, `SqliteQueryStore` and the
 * crowd `ReportSink` (see test/core/commands/real-stores.test.ts).
 */

/** A watched service as commands name it. `aliases` are optional extra names (`wa`, `gh`). */
export interface WatchedService {
  readonly id: string;
  readonly name: string;
  readonly aliases?: readonly string[];
}

/** The watched services, in the order `/services` and `/status` list them (satisfied by `Catalog`). */
export interface ServiceDirectory {
  readonly services: readonly WatchedService[];
}

/** A service's confirmed status now (satisfied by `DetectionEngine`). Undefined for an unknown id. */
export interface ServiceStateReader {
  serviceState(
    serviceId: string,
  ): { readonly status: State; readonly since: number; readonly evidence: readonly Evidence[] } | undefined;
}

/** One incident as `/incidents` lists it. */
export interface IncidentRow {
  readonly serviceId: string;
  readonly severity: Severity;
  readonly startedAt: number;
  /** null while the incident is still open. */
  readonly resolvedAt: number | null;
}

/**
 * Recent incidents, open ones first, then newest first, at most `limit` (satisfied by
 * `SqliteQueryStore`). `serviceIds` absent means every service.
 */
export interface IncidentReader {
  incidents(query: {
    readonly serviceIds?: readonly string[];
    readonly limit: number;
  }): readonly IncidentRow[];
}

/** The part of the subscription store the commands use. */
export type CommandSubscriptionStore = Pick<
  SubscriptionStore,
  | 'subscribe'
  | 'unsubscribe'
  | 'unsubscribeAll'
  | 'listSubscriptions'
  | 'getChat'
  | 'getSettings'
  | 'updateSettings'
>;
