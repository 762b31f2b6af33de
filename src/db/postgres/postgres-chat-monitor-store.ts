import type pg from 'pg';
import { CLUSTER_CHANNEL } from './cluster-store.js';
import type {
  ChatMaintenance,
  ChatMonitor,
  ChatMonitorAuditEntry,
  ChatMonitorStore,
  NewChatMonitor,
} from '../../chat-monitors/chat-monitor-store.js';
import type { AsyncPort } from '../../core/awaitable.js';
import { CHAT_SERVICE_PREFIX } from '../../core/catalog.js';
import {
  type AuditRow,
  type MaintenanceRow,
  type MonitorRow,
  auditParams,
  maintenanceParams,
  toMaintenance,
  toAuditEntry,
  componentsColumn,
  toMonitor,
} from '../sqlite-chat-monitor-store.js';
import { inTransaction } from './in-transaction.js';

/**
 * Serialises the choice of a new chat monitor's id between instances (a transaction-level advisory
 * lock, released at commit): the id is one more than any in use or in the audit trail, so two adds
 * at once must not both pick the same one.
 */
const ID_LOCK = "SELECT pg_advisory_xact_lock(hashtext('chat_monitors.id'))";

const SQL = {
  // Ids are never reused (the audit trail remembers removed ones): a new monitor must not inherit
  // a removed one's check history, state or open incident (service `chat-<id>`).
  insert: `INSERT INTO chat_monitors (id, owner_key, platform, chat_id, name, name_key, kind, target, interval_ms,
      created_by, created_at, components)
    VALUES (
      1 + GREATEST(
        (SELECT coalesce(max(id), 0) FROM chat_monitors),
        (SELECT coalesce(max(monitor_id), 0) FROM chat_monitor_audit)
      ),
      $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
    ON CONFLICT (owner_key, name_key) DO NOTHING
    RETURNING *`,
  byName: 'SELECT * FROM chat_monitors WHERE owner_key = $1 AND name_key = $2',
  byOwner: 'SELECT * FROM chat_monitors WHERE owner_key = $1 ORDER BY id',
  all: 'SELECT * FROM chat_monitors ORDER BY id',
  count: 'SELECT count(*)::int AS n FROM chat_monitors WHERE owner_key = $1',
  remove: 'DELETE FROM chat_monitors WHERE id = $1',
  // The engine closes the removed service's open incident too (without an event), but only after
  // this commit: closing it here as well leaves no moment where a crash keeps it open.
  closeIncident: `UPDATE incidents SET status = 'unknown', updated_at = $1, resolved_at = $1
    WHERE service_id = $2 AND resolved_at IS NULL`,
  audit: `INSERT INTO chat_monitor_audit (owner_key, monitor_id, name, target, action, actor, at)
    VALUES ($1, $2, $3, $4, $5, $6, $7)`,
  auditByOwner: 'SELECT * FROM chat_monitor_audit WHERE owner_key = $1 ORDER BY at DESC, id DESC LIMIT $2',
  setMaintenance: `INSERT INTO chat_maintenance (monitor_id, owner_key, starts_at, ends_at, created_by, created_at)
    VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (monitor_id) DO UPDATE SET owner_key = excluded.owner_key, starts_at = excluded.starts_at,
      ends_at = excluded.ends_at, created_by = excluded.created_by, created_at = excluded.created_at`,
  endMaintenance: 'DELETE FROM chat_maintenance WHERE monitor_id = $1 RETURNING ends_at',
  maintenance: 'SELECT * FROM chat_maintenance WHERE ends_at > $1 ORDER BY starts_at, monitor_id',
} as const;

/** Chat monitors in PostgreSQL (as SqliteChatMonitorStore). Add and remove write the audit row in the same transaction. */
export class PostgresChatMonitorStore implements AsyncPort<ChatMonitorStore> {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * A name taken is ON CONFLICT's null, also when another instance's add of it is still open: the
   * insert waits for that one to commit and then inserts nothing.
   */
  async add(monitor: NewChatMonitor): Promise<ChatMonitor | null> {
    return inTransaction(this.pool, async (client) => {
      await client.query(ID_LOCK);
      const inserted = await client.query<MonitorRow>(SQL.insert, [
        monitor.ownerKey,
        monitor.platform,
        monitor.chatId,
        monitor.name,
        monitor.name.toLowerCase(),
        monitor.kind,
        monitor.target,
        monitor.intervalMs,
        monitor.createdBy,
        monitor.createdAt,
        componentsColumn(monitor),
      ]);
      const row = inserted.rows[0];
      if (row === undefined) return null;
      await client.query(SQL.audit, auditParams(row, 'add', monitor.createdBy, monitor.createdAt));
      // Other instances register it at once (docs/cluster.md); delivered at commit.
      await client.query('SELECT pg_notify($1, $2)', [CLUSTER_CHANNEL, 'chat-monitors']);
      return toMonitor(row);
    });
  }

  async remove(ownerKey: string, name: string, actor: string, now: number): Promise<ChatMonitor | null> {
    return inTransaction(this.pool, async (client) => {
      const found = await client.query<MonitorRow>(`${SQL.byName} FOR UPDATE`, [
        ownerKey,
        name.toLowerCase(),
      ]);
      const row = found.rows[0];
      if (row === undefined) return null;
      await client.query(SQL.remove, [row.id]);
      await client.query(SQL.endMaintenance, [row.id]);
      await client.query(SQL.closeIncident, [now, `${CHAT_SERVICE_PREFIX}${row.id}`]);
      await client.query(SQL.audit, auditParams(row, 'remove', actor, now));
      await client.query('SELECT pg_notify($1, $2)', [CLUSTER_CHANNEL, 'chat-monitors']);
      return toMonitor(row);
    });
  }

  async countOwned(ownerKey: string): Promise<number> {
    return (await this.pool.query<{ n: number }>(SQL.count, [ownerKey])).rows[0]?.n ?? 0;
  }

  async listOwned(ownerKey: string): Promise<ChatMonitor[]> {
    return (await this.pool.query<MonitorRow>(SQL.byOwner, [ownerKey])).rows.map(toMonitor);
  }

  async listAll(): Promise<ChatMonitor[]> {
    return (await this.pool.query<MonitorRow>(SQL.all)).rows.map(toMonitor);
  }

  async recentAudit(ownerKey: string, limit: number): Promise<ChatMonitorAuditEntry[]> {
    const result = await this.pool.query<AuditRow>(SQL.auditByOwner, [ownerKey, limit]);
    return result.rows.map(toAuditEntry);
  }

  /** Other instances read the windows again (`chat-monitors`, as for an added monitor). */
  async setMaintenance(window: ChatMaintenance): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query(SQL.setMaintenance, maintenanceParams(window));
      await client.query('SELECT pg_notify($1, $2)', [CLUSTER_CHANNEL, 'chat-monitors']);
    });
  }

  async endMaintenance(monitorId: number, now: number): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const deleted = await client.query<{ ends_at: number }>(SQL.endMaintenance, [monitorId]);
      await client.query('SELECT pg_notify($1, $2)', [CLUSTER_CHANNEL, 'chat-monitors']);
      return deleted.rows.some((r) => r.ends_at > now);
    });
  }

  async listMaintenance(now: number): Promise<ChatMaintenance[]> {
    return (await this.pool.query<MaintenanceRow>(SQL.maintenance, [now])).rows.map(toMaintenance);
  }
}
