/**
 * Which services a community may see. Operator services (from the services file) are visible to
 * everyone; a chat-added service only to the guild or chat that added it. The command layer
 * filters `/status`, `/services` and autocomplete through `isVisible`/`filterVisible`; the status
 * page shows chat services only when the operator made them public.
 */
export class ChatServiceVisibility {
  private readonly owners = new Map<string, string>();

  add(serviceId: string, ownerKey: string): void {
    this.owners.set(serviceId, ownerKey);
  }

  remove(serviceId: string): void {
    this.owners.delete(serviceId);
  }

  /** True for operator services, and for chat services of `ownerKey`. */
  isVisible(serviceId: string, ownerKey: string): boolean {
    const owner = this.owners.get(serviceId);
    return owner === undefined || owner === ownerKey;
  }

  /** True when the service was added from a chat (hidden from the status page unless made public). */
  isChatService(serviceId: string): boolean {
    return this.owners.has(serviceId);
  }

  filterVisible<T extends { readonly id: string }>(services: readonly T[], ownerKey: string): T[] {
    return services.filter((s) => this.isVisible(s.id, ownerKey));
  }
}
