-- Notes on incidents (`/note`): an operator's or a community admin's word about an incident, with an
-- optional mark (identified, monitoring, resolved). A mark is the author's word only: it never
-- opens or closes the incident (detection does). `body` is plain text as the author wrote it
-- (one line, at most 500 characters); every renderer escapes it.
CREATE TABLE incident_notes (
  id              INTEGER PRIMARY KEY,
  incident_id     INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  service_id      TEXT NOT NULL,
  at              INTEGER NOT NULL,
  author_platform TEXT NOT NULL,
  author_id       TEXT NOT NULL,
  author_name     TEXT NOT NULL,
  mark            TEXT CHECK (mark IN ('identified', 'monitoring', 'resolved')),
  body            TEXT NOT NULL
);
CREATE INDEX incident_notes_by_incident ON incident_notes (incident_id, id);
