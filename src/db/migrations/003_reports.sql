-- Crowd reports and the crowd detector's memory (docs/crowd.md §10, docs/design.md §3 "Crowd reports").
-- Times are epoch milliseconds.

-- One secret salt per database, made by the report store on first use. Reporter ids are stored only as
-- SHA-256(salt, platform, user id): stable enough to count a person once, useless without this row.
CREATE TABLE report_salt (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  salt BLOB NOT NULL
);

-- Admitted reports only: a repeat within the dedup period is answered as a duplicate and not stored.
CREATE TABLE crowd_reports (
  id            INTEGER PRIMARY KEY,
  service_id    TEXT NOT NULL,
  reporter_hash TEXT NOT NULL,
  -- The community it came from ('telegram:<chat>', 'discord:guild:<id>'): one chat alone never makes an outage.
  chat_key      TEXT NOT NULL,
  problem       TEXT NOT NULL CHECK (problem IN ('connection', 'sending', 'login', 'app', 'website', 'other')),
  at            INTEGER NOT NULL
);
CREATE INDEX crowd_reports_by_reporter ON crowd_reports (service_id, reporter_hash, at);
CREATE INDEX crowd_reports_by_time ON crowd_reports (service_id, at);

-- The detector state of each service (crowdDetectorStateSchema), validated when read back.
CREATE TABLE crowd_detectors (
  service_id TEXT PRIMARY KEY,
  state_json TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
