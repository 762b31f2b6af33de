import type { Catalog, MonitorDef, ServiceDef } from '../../src/core/catalog.js';
import { type ConfirmPolicy, DEFAULT_FLAP } from '../../src/core/detection/monitor-state.js';
import type { Clock } from '../../src/core/model.js';

/**
 * Two failures confirm, two good checks recover: a fixed count, as `confirm: { down: 2, up: 2 }` in
 * the services file. The engine tests built on this are about incidents and fusion; the learned
 * count (`down: 'auto'`, the default) has its own tests.
 */
export const FIXED_CONFIRM: ConfirmPolicy = { down: 2, up: 2 };

/** A monitor definition with test defaults: an HTTP probe checked every minute, FIXED_CONFIRM. */
export function monitorDef(
  id: string,
  serviceId: string | null,
  overrides: Partial<MonitorDef> = {},
): MonitorDef {
  return {
    id,
    serviceId,
    type: 'http',
    role: 'probe',
    target: `https://${id}.example/`,
    intervalMs: 60_000,
    confirm: FIXED_CONFIRM,
    flap: DEFAULT_FLAP,
    ...overrides,
  };
}

/** A service definition with test defaults: no group, default quorum, no crowd reports. */
export function serviceDef(
  id: string,
  monitorIds: readonly string[],
  overrides: Partial<ServiceDef> = {},
): ServiceDef {
  return { id, name: `Service ${id}`, group: null, quorum: null, crowd: false, monitorIds, ...overrides };
}

export interface ServiceSpec {
  readonly id: string;
  /** Probe monitor ids; default one probe `<id>-http`. */
  readonly probes?: readonly string[];
  /** Official status monitors. */
  readonly officials?: readonly string[];
  readonly group?: string | null;
  readonly quorum?: number | null;
  readonly crowd?: boolean;
}

/**
 * Builds a consistent catalog: every service with its monitors, plus control targets (monitors
 * with no service). `monitor` overrides apply to every monitor (confirm and flap policies).
 */
export function buildCatalog(spec: {
  readonly services: readonly ServiceSpec[];
  readonly controls?: readonly string[];
  readonly monitor?: Partial<MonitorDef>;
}): Catalog {
  const services: ServiceDef[] = [];
  const monitors: MonitorDef[] = [];
  for (const s of spec.services) {
    const probes = s.probes ?? [`${s.id}-http`];
    const officials = s.officials ?? [];
    for (const id of probes) monitors.push(monitorDef(id, s.id, spec.monitor));
    for (const id of officials)
      monitors.push(monitorDef(id, s.id, { type: 'statuspage', role: 'official', ...spec.monitor }));
    services.push(
      serviceDef(s.id, [...probes, ...officials], {
        group: s.group ?? null,
        quorum: s.quorum ?? null,
        crowd: s.crowd ?? false,
      }),
    );
  }
  for (const id of spec.controls ?? []) monitors.push(monitorDef(id, null, spec.monitor));
  return { services, monitors };
}

/** A clock the test moves by hand. */
export class FakeClock implements Clock {
  constructor(private ms: number) {}

  now(): number {
    return this.ms;
  }

  advance(ms: number): number {
    this.ms += ms;
    return this.ms;
  }

  set(ms: number): void {
    this.ms = ms;
  }
}
