import type { PlatformName } from '../core/delivery/ports.js';
import type { Db } from './database.js';
import { CHAT_SERVICE_PREFIX } from '../core/catalog.js';
import type {
  ChatMaintenance,
  ChatMonitor,
  ChatMonitorAuditEntry,
  ChatMonitorStore,
  NewChatMonitor,
} from '../chat-monitors/chat-monitor-store.js';

/** A `chat_monitors` row as both backends read it (PostgreSQL's store maps it with `toMonitor` too). */
export interface MonitorRow {
  id: number;
  owner_key: string;
  platform: PlatformName;
  chat_id: string;
  name: string;
  kind: 'http' | 'tcp' | 'status-page';
  target: string;
  interval_ms: number;
  created_by: string;
  created_at: number;
  /** A status page's component names as a JSON array (migration 014); null for the other kinds. */
  components: string | null;
}

/** A `chat_monitor_audit` row (both backends). */
export interface AuditRow {
  monitor_id: number;
  name: string;
  target: string;
  action: 'add' | 'remove';
  actor: string;
  at: number;
}

export function toMonitor(row: MonitorRow): ChatMonitor {
  return {
    id: row.id,
    ownerKey: row.owner_key,
    platform: row.platform,
    chatId: row.chat_id,
    name: row.name,
    kind: row.kind,
    target: row.target,
    intervalMs: row.interval_ms,
    createdBy: row.created_by,
    createdAt: row.created_at,
    ...(row.components === null ? {} : { components: parseComponents(row.components) }),
  };
}

/** The `components` column of a new monitor: a JSON array for a status page, else null. */
export function componentsColumn(monitor: NewChatMonitor): string | null {
  return monitor.kind === 'status-page' ? JSON.stringify(monitor.components ?? []) : null;
}

function parseComponents(text: string): string[] {
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
}

/** A `chat_maintenance` row (both backends, migrations 018 / 008). */
export interface MaintenanceRow {
  monitor_id: number;
  owner_key: string;
  starts_at: number;
  ends_at: number;
  created_by: string;
  created_at: number;
}

export function toMaintenance(r: MaintenanceRow): ChatMaintenance {
  return {
    monitorId: r.monitor_id,
    ownerKey: r.owner_key,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    createdBy: r.created_by,
    createdAt: r.created_at,
  };
}

/** The parameters of the maintenance upsert, in its columns' order (both backends). */
export function maintenanceParams(w: ChatMaintenance): [number, string, number, number, string, number] {
  return [w.monitorId, w.ownerKey, w.startsAt, w.endsAt, w.createdBy, w.createdAt];
}

export function toAuditEntry(r: AuditRow): ChatMonitorAuditEntry {
  return {
    monitorId: r.monitor_id,
    name: r.name,
    target: r.target,
    action: r.action,
    actor: r.actor,
    at: r.at,
  };
}

/**
 * The parameters of the audit INSERT (both backends' statements list the columns in this order):
 * owner_key, monitor_id, name, target, action, actor, at.
 */
export function auditParams(
  row: MonitorRow,
  action: AuditRow['action'],
  actor: string,
  at: number,
): [string, number, string, string, AuditRow['action'], string, number] {
  return [row.owner_key, row.id, row.name, row.target, action, actor, at];
}

/** Chat monitors in SQLite (migration 004). Add and remove write the audit row in the same transaction. */
export class SqliteChatMonitorStore implements ChatMonitorStore {
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = {
      insert: db.prepare(
        // Ids are never reused (the audit trail remembers removed ones): a new monitor must not
        // inherit a removed one's check history, state or open incident (service `chat-<id>`).
        `INSERT INTO chat_monitors (id, owner_key, platform, chat_id, name, name_key, kind, target, interval_ms, created_by, created_at, components)
         VALUES (
           1 + max(
             (SELECT coalesce(max(id), 0) FROM chat_monitors),
             (SELECT coalesce(max(monitor_id), 0) FROM chat_monitor_audit)
           ),
           @ownerKey, @platform, @chatId, @name, @nameKey, @kind, @target, @intervalMs, @createdBy, @createdAt, @components)
         ON CONFLICT (owner_key, name_key) DO NOTHING`,
      ),
      byName: db.prepare<[string, string], MonitorRow>(
        'SELECT * FROM chat_monitors WHERE owner_key = ? AND name_key = ?',
      ),
      byOwner: db.prepare<[string], MonitorRow>(
        'SELECT * FROM chat_monitors WHERE owner_key = ? ORDER BY id',
      ),
      all: db.prepare<[], MonitorRow>('SELECT * FROM chat_monitors ORDER BY id'),
      count: db.prepare<[string], { n: number }>(
        'SELECT count(*) AS n FROM chat_monitors WHERE owner_key = ?',
      ),
      remove: db.prepare('DELETE FROM chat_monitors WHERE id = ?'),
      // The engine closes the removed service's open incident too (without an event), but only
      // after this commit: closing it here as well leaves no moment where a crash keeps it open.
      closeIncident: db.prepare(
        `UPDATE incidents SET status = 'unknown', updated_at = ?, resolved_at = ?
         WHERE service_id = ? AND resolved_at IS NULL`,
      ),
      audit: db.prepare(
        `INSERT INTO chat_monitor_audit (owner_key, monitor_id, name, target, action, actor, at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      auditByOwner: db.prepare<[string, number], AuditRow>(
        'SELECT * FROM chat_monitor_audit WHERE owner_key = ? ORDER BY at DESC, id DESC LIMIT ?',
      ),
      setMaintenance: db.prepare(
        `INSERT INTO chat_maintenance (monitor_id, owner_key, starts_at, ends_at, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (monitor_id) DO UPDATE SET owner_key = excluded.owner_key, starts_at = excluded.starts_at,
           ends_at = excluded.ends_at, created_by = excluded.created_by, created_at = excluded.created_at`,
      ),
      endMaintenance: db.prepare<[number], { ends_at: number }>(
        'DELETE FROM chat_maintenance WHERE monitor_id = ? RETURNING ends_at',
      ),
      maintenance: db.prepare<[number], MaintenanceRow>(
        'SELECT * FROM chat_maintenance WHERE ends_at > ? ORDER BY starts_at, monitor_id',
      ),
    };
  }

  add(monitor: NewChatMonitor): ChatMonitor | null {
    return this.db.transaction(() => {
      const nameKey = monitor.name.toLowerCase();
      const result = this.stmt.insert.run({ ...monitor, nameKey, components: componentsColumn(monitor) });
      if (result.changes === 0) return null;
      const row = this.stmt.byName.get(monitor.ownerKey, nameKey)!;
      this.stmt.audit.run(...auditParams(row, 'add', monitor.createdBy, monitor.createdAt));
      return toMonitor(row);
    })();
  }

  remove(ownerKey: string, name: string, actor: string, now: number): ChatMonitor | null {
    return this.db.transaction(() => {
      const row = this.stmt.byName.get(ownerKey, name.toLowerCase());
      if (row === undefined) return null;
      this.stmt.remove.run(row.id);
      this.stmt.endMaintenance.run(row.id);
      this.stmt.closeIncident.run(now, now, `${CHAT_SERVICE_PREFIX}${row.id}`);
      this.stmt.audit.run(...auditParams(row, 'remove', actor, now));
      return toMonitor(row);
    })();
  }

  countOwned(ownerKey: string): number {
    return this.stmt.count.get(ownerKey)?.n ?? 0;
  }

  listOwned(ownerKey: string): ChatMonitor[] {
    return this.stmt.byOwner.all(ownerKey).map(toMonitor);
  }

  listAll(): ChatMonitor[] {
    return this.stmt.all.all().map(toMonitor);
  }

  recentAudit(ownerKey: string, limit: number): ChatMonitorAuditEntry[] {
    return this.stmt.auditByOwner.all(ownerKey, limit).map(toAuditEntry);
  }

  setMaintenance(window: ChatMaintenance): void {
    this.stmt.setMaintenance.run(...maintenanceParams(window));
  }

  endMaintenance(monitorId: number, now: number): boolean {
    return this.stmt.endMaintenance.all(monitorId).some((r) => r.ends_at > now);
  }

  listMaintenance(now: number): ChatMaintenance[] {
    return this.stmt.maintenance.all(now).map(toMaintenance);
  }
}
