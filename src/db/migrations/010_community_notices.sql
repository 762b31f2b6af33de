-- When a community (a Telegram chat, a Discord guild: the chat key of crowd_reports) was last told that
-- its own members report problems with a service nobody else sees (docs/crowd.md §9): at most once per
-- service per community per 6 hours. Written before the reply goes out, so a crash never repeats it.
CREATE TABLE crowd_community_notices (
  service_id  TEXT NOT NULL,
  chat_key    TEXT NOT NULL,
  noticed_at  INTEGER NOT NULL,
  PRIMARY KEY (service_id, chat_key)
) WITHOUT ROWID;
-- A counted /report asks how many members of its community reported the service in the last window:
-- one community's rows, not every report of the service (thousands in a real outage).
CREATE INDEX crowd_reports_by_community ON crowd_reports (service_id, chat_key, at);
