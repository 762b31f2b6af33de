-- Several instances against one database (docs/cluster.md). PostgreSQL only: a SQLite file has one
-- process, so these tables have no SQLite twin (the schema parity test leaves them out).
-- Times here are epoch milliseconds of the DATABASE's clock (liveness and lease expiry are
-- compared on one clock, whatever the instances' clocks say), except vantage_results.at, the
-- probing instance's time of the check.

-- Who is alive: each instance heartbeats its row; a row older than the lease period is a dead
-- instance. A graceful stop deletes its row.
CREATE TABLE cluster_members (
  instance_id  TEXT PRIMARY KEY,
  vantage      TEXT NOT NULL,
  started_at   BIGINT NOT NULL,
  heartbeat_at BIGINT NOT NULL,
  info_json    TEXT NOT NULL DEFAULT '{}'
);

-- Who owns what: a service's detection (kind 'service'), a platform's receiving and sending
-- (kind 'platform'), a Discord gateway shard (kind 'shard'). `epoch` grows at every change of
-- owner: writes fenced by a lease check it in their transaction.
CREATE TABLE cluster_leases (
  kind       TEXT NOT NULL,
  key        TEXT NOT NULL,
  owner      TEXT,
  epoch      BIGINT NOT NULL DEFAULT 0,
  expires_at BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (kind, key)
);
CREATE INDEX cluster_leases_owner ON cluster_leases (owner, kind);

-- The latest check of a monitor probed from every vantage point, one row per vantage: the
-- service's owner counts them (a majority down is an outage).
CREATE TABLE vantage_results (
  monitor_id TEXT NOT NULL,
  vantage    TEXT NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('up', 'down', 'unknown')),
  reason     TEXT NOT NULL,
  message    TEXT NOT NULL,
  at         BIGINT NOT NULL,
  PRIMARY KEY (monitor_id, vantage)
);
