/**
 * Which services a community may see. Operator services (from the services file) are visible to
 * everyone; a chat-added service only to the guild or chat that added it. The command layer
 * layers `servicesOf(owner)` on the catalogue for `/status`, `/services` and autocomplete; the
 * status page shows chat services only when the operator made them public.
 */
export class ChatServiceVisibility {
  private readonly owners = new Map<string, string>();
  /** Owner key → its services (id → name), in the order they were added. */
  private readonly byOwner = new Map<string, Map<string, string>>();

  /** `name` is what `/status` and `/services` show (default: the id). */
  add(serviceId: string, ownerKey: string, name: string = serviceId): void {
    this.remove(serviceId);
    this.owners.set(serviceId, ownerKey);
    let owned = this.byOwner.get(ownerKey);
    if (owned === undefined) this.byOwner.set(ownerKey, (owned = new Map()));
    owned.set(serviceId, name);
  }

  remove(serviceId: string): void {
    const owner = this.owners.get(serviceId);
    if (owner === undefined) return;
    this.owners.delete(serviceId);
    const owned = this.byOwner.get(owner);
    owned?.delete(serviceId);
    if (owned?.size === 0) this.byOwner.delete(owner);
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

  /** The chat services `ownerKey` owns, oldest first. */
  servicesOf(ownerKey: string): { id: string; name: string }[] {
    return [...(this.byOwner.get(ownerKey) ?? [])].map(([id, name]) => ({ id, name }));
  }

  /** Every chat service id, any owner. */
  serviceIds(): string[] {
    return [...this.owners.keys()];
  }
}
