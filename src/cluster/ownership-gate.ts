import type { ServiceLeases } from './service-leases.js';

/**
 * The ownership test the engine is built with, before the cluster exists: it answers from the
 * service leases once they are set (nothing is owned until the first round has run).
 */
export class OwnershipGate {
  private leases: ServiceLeases | null = null;
  readonly owns = (serviceId: string): boolean => this.leases?.owns(serviceId) ?? false;
  attach(leases: ServiceLeases): void {
    this.leases = leases;
  }
}
