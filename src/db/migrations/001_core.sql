-- Core tables: monitors, their state, service state, incidents and check history.
-- Times are epoch milliseconds unless a column says otherwise.

CREATE TABLE monitors (
  ref        INTEGER PRIMARY KEY,            -- compact key for the time-series tables
  id         TEXT NOT NULL UNIQUE,
  service_id TEXT,                           -- NULL for control targets
  type       TEXT NOT NULL,
  target     TEXT NOT NULL
);

CREATE TABLE monitor_state (
  monitor_ref     INTEGER PRIMARY KEY REFERENCES monitors(ref) ON DELETE CASCADE,
  record_json     TEXT NOT NULL,
  last_status     TEXT NOT NULL,
  last_reason     TEXT NOT NULL,
  last_message    TEXT NOT NULL,
  last_latency_ms INTEGER,
  last_at         INTEGER NOT NULL
);

CREATE TABLE service_state (
  service_id    TEXT PRIMARY KEY,
  status        TEXT NOT NULL CHECK (status IN ('up', 'degraded', 'down', 'unknown', 'maintenance')),
  since         INTEGER NOT NULL,
  evidence_json TEXT NOT NULL
);

CREATE TABLE incidents (
  id            INTEGER PRIMARY KEY,
  service_id    TEXT NOT NULL,
  severity      TEXT NOT NULL CHECK (severity IN ('minor', 'major')),
  status        TEXT NOT NULL,
  started_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  resolved_at   INTEGER,
  evidence_key  TEXT NOT NULL,
  evidence_json TEXT NOT NULL
);
CREATE INDEX incidents_by_service ON incidents (service_id, started_at DESC);
CREATE INDEX incidents_by_start ON incidents (started_at DESC);
-- At most one open incident per service, enforced by the database.
CREATE UNIQUE INDEX incidents_one_open ON incidents (service_id) WHERE resolved_at IS NULL;

CREATE TABLE incident_events (
  id           INTEGER PRIMARY KEY,
  incident_id  INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  kind         TEXT NOT NULL CHECK (kind IN ('opened', 'reopened', 'updated', 'resolved')),
  at           INTEGER NOT NULL,
  payload_json TEXT NOT NULL
);
CREATE INDEX incident_events_by_incident ON incident_events (incident_id, id);

-- Raw check results, kept 48 hours: one row per monitor per hour, each check appended to a packed
-- blob (see check-encoding.ts). A row per check would cost ~35 bytes with its index; this costs ~7.
CREATE TABLE check_chunks (
  monitor_ref INTEGER NOT NULL,
  hour        INTEGER NOT NULL,                -- epoch hours
  data        BLOB NOT NULL,
  PRIMARY KEY (monitor_ref, hour)
) WITHOUT ROWID;

-- Messages of failing checks, kept as long as the raw data.
CREATE TABLE check_failures (
  monitor_ref INTEGER NOT NULL,
  at          INTEGER NOT NULL,
  message     TEXT NOT NULL,
  PRIMARY KEY (monitor_ref, at)
) WITHOUT ROWID;

-- Hourly roll-ups, kept 400 days: one row per monitor per day, 24 packed hourly buckets.
CREATE TABLE check_rollups (
  monitor_ref INTEGER NOT NULL,
  day         INTEGER NOT NULL,                -- epoch days (UTC)
  data        BLOB NOT NULL,
  PRIMARY KEY (monitor_ref, day)
) WITHOUT ROWID;

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
