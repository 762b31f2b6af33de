-- The crowd runtime asks which services were reported on in a window, and pruning deletes by age:
-- both look up reports by time alone, which the (service_id, at) index cannot serve.
CREATE INDEX crowd_reports_at ON crowd_reports (at);
