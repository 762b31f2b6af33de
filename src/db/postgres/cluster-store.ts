import type pg from 'pg';

/**
 * The membership and lease rows of several instances (docs/cluster.md). Every time here is the
 * database's clock in epoch ms (`clock_timestamp()`), unless `now` is given (tests): instances with
 * skewed clocks still agree on who is alive and whose lease ran out.
 */
export const CLUSTER_CHANNEL = 'incident_bot_cluster';

export interface MemberRow {
  readonly instanceId: string;
  readonly vantage: string;
  readonly startedAt: number;
  /** How long ago (database clock) its last heartbeat was, ms. */
  readonly ageMs: number;
}

/** A lease held: its key and the epoch it was granted under (a write fenced by it checks both). */
export type HeldLeases = Map<string, number>;

const NOW = (param: string) =>
  `COALESCE(${param}::bigint, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)`;

const SQL = {
  heartbeat: `INSERT INTO cluster_members (instance_id, vantage, started_at, heartbeat_at, info_json)
    VALUES ($1, $2, $3, ${NOW('$5')}, $4)
    ON CONFLICT (instance_id) DO UPDATE SET vantage = excluded.vantage, heartbeat_at = excluded.heartbeat_at,
      info_json = excluded.info_json
    RETURNING heartbeat_at`,
  live: `SELECT instance_id, vantage, started_at, ${NOW('$2')} - heartbeat_at AS age
    FROM cluster_members WHERE heartbeat_at > ${NOW('$2')} - $1 ORDER BY instance_id`,
  leave: 'DELETE FROM cluster_members WHERE instance_id = $1',
  forgetDead: `DELETE FROM cluster_members WHERE heartbeat_at < ${NOW('$2')} - $1`,
  claim: `INSERT INTO cluster_leases AS l (kind, key, owner, epoch, expires_at)
    SELECT $1, k, $3, 1, ${NOW('$5')} + $4 FROM unnest($2::text[]) AS k ORDER BY k
    ON CONFLICT (kind, key) DO UPDATE SET owner = excluded.owner,
      epoch = l.epoch + CASE WHEN l.owner IS DISTINCT FROM excluded.owner THEN 1 ELSE 0 END,
      expires_at = excluded.expires_at
    WHERE l.owner IS NULL OR l.owner = excluded.owner OR l.expires_at <= ${NOW('$5')}
    RETURNING key, epoch`,
  // Row locks are taken in key order by every statement that changes leases, so two instances
  // (one claiming what the other releases or renews) wait for each other instead of deadlocking.
  renew: `UPDATE cluster_leases l SET expires_at = ${NOW('$4')} + $3
    FROM (SELECT kind, key FROM cluster_leases
          WHERE kind = $1 AND key = ANY($5::text[]) AND owner = $2 AND expires_at > ${NOW('$4')}
          ORDER BY key FOR UPDATE) AS mine
    WHERE l.kind = mine.kind AND l.key = mine.key RETURNING l.key, l.epoch`,
  release: `UPDATE cluster_leases l SET owner = NULL, expires_at = 0
    FROM (SELECT kind, key FROM cluster_leases WHERE kind = $1 AND key = ANY($2::text[]) AND owner = $3
          ORDER BY key FOR UPDATE) AS mine
    WHERE l.kind = mine.kind AND l.key = mine.key`,
  releaseAll: 'UPDATE cluster_leases SET owner = NULL, expires_at = 0 WHERE owner = $1',
  owners: `SELECT key, owner FROM cluster_leases WHERE kind = $1 AND owner IS NOT NULL
    AND expires_at > ${NOW('$2')}`,
  fence: `SELECT key, epoch FROM cluster_leases WHERE kind = $1 AND key = ANY($2::text[]) AND owner = $3
    ORDER BY key FOR SHARE`,
} as const;

export interface ClusterStoreOptions {
  /** Injected time (tests); by default the database's clock. */
  readonly now?: () => number;
}

export class ClusterStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly options: ClusterStoreOptions = {},
  ) {}

  private now(): number | null {
    return this.options.now?.() ?? null;
  }

  /** Registers or renews this instance's row; answers the database's time of the heartbeat. */
  async heartbeat(member: {
    readonly instanceId: string;
    readonly vantage: string;
    readonly startedAt: number;
    readonly info: unknown;
  }): Promise<number> {
    const { rows } = await this.pool.query<{ heartbeat_at: number }>(SQL.heartbeat, [
      member.instanceId,
      member.vantage,
      member.startedAt,
      JSON.stringify(member.info),
      this.now(),
    ]);
    return Number(rows[0]?.heartbeat_at);
  }

  /** The members whose heartbeat is younger than `leaseMs`, by id. */
  async liveMembers(leaseMs: number): Promise<MemberRow[]> {
    const { rows } = await this.pool.query<{
      instance_id: string;
      vantage: string;
      started_at: number;
      age: number;
    }>(SQL.live, [leaseMs, this.now()]);
    return rows.map((r) => ({
      instanceId: r.instance_id,
      vantage: r.vantage,
      startedAt: Number(r.started_at),
      ageMs: Number(r.age),
    }));
  }

  /** Removes the rows of members silent for `olderThanMs` (long dead: kept a while for the operator). */
  async forgetDead(olderThanMs: number): Promise<void> {
    await this.pool.query(SQL.forgetDead, [olderThanMs, this.now()]);
  }

  /**
   * Takes the leases among `keys` that are free, expired or already ours, for `leaseMs`. A lease
   * changing hands gets a new epoch. Answers the ones taken.
   */
  async claim(kind: string, keys: readonly string[], owner: string, leaseMs: number): Promise<HeldLeases> {
    if (keys.length === 0) return new Map();
    const { rows } = await this.pool.query<{ key: string; epoch: number }>(SQL.claim, [
      kind,
      keys,
      owner,
      leaseMs,
      this.now(),
    ]);
    return new Map(rows.map((r) => [r.key, Number(r.epoch)]));
  }

  /**
   * Extends the unexpired leases among `keys` (the ones this process holds) of `kind`; answers
   * those still held. A lease the database gives this owner but the process does not hold (a
   * release that failed, a hand-over cut short) is not renewed: it runs out by itself, and the
   * instance it belongs to claims it then.
   */
  async renew(kind: string, owner: string, leaseMs: number, keys: readonly string[]): Promise<HeldLeases> {
    if (keys.length === 0) return new Map();
    const { rows } = await this.pool.query<{ key: string; epoch: number }>(SQL.renew, [
      kind,
      owner,
      leaseMs,
      this.now(),
      keys,
    ]);
    return new Map(rows.map((r) => [r.key, Number(r.epoch)]));
  }

  /** Gives leases up at once (a graceful hand-over): the next claimant takes them without waiting. */
  async release(kind: string, keys: readonly string[], owner: string): Promise<void> {
    if (keys.length === 0) return;
    await this.pool.query(SQL.release, [kind, keys, owner]);
  }

  /** Leaves: every lease given up and the member row removed, in one transaction. */
  async leave(instanceId: string): Promise<void> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      await client.query(SQL.releaseAll, [instanceId]);
      await client.query(SQL.leave, [instanceId]);
      await client.query('SELECT pg_notify($1, $2)', [CLUSTER_CHANNEL, `left:${instanceId}`]);
      await client.query('COMMIT');
    } catch (err) {
      broken = true;
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** Who holds each unexpired lease of `kind` now. */
  async owners(kind: string): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ key: string; owner: string }>(SQL.owners, [kind, this.now()]);
    return new Map(rows.map((r) => [r.key, r.owner]));
  }

  /** Tells the other instances to rebalance now (a member joined, or leases were given up). */
  async notify(what: string): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [CLUSTER_CHANNEL, what]);
  }
}

/**
 * Inside a write's transaction: the leases among `keys` the owner still holds, with their epochs,
 * locked `FOR SHARE` until the transaction ends, so no other instance can take them over while
 * the write commits (a claim waits for the lock, then sees the write).
 */
export async function fenceLeases(
  client: pg.PoolClient,
  kind: string,
  keys: readonly string[],
  owner: string,
): Promise<HeldLeases> {
  if (keys.length === 0) return new Map();
  const { rows } = await client.query<{ key: string; epoch: number }>(SQL.fence, [kind, keys, owner]);
  return new Map(rows.map((r) => [r.key, Number(r.epoch)]));
}
