-- Which pod reports the database-wide backlog gauges (issue 8). One row per role; the
-- pod named in it renews its term on every measurement, and any pod may take the role
-- once the term has run out. Terms are kept in the database's own time, so pods with
-- skewed clocks still agree on who reports.
CREATE TABLE metrics_reporters (
  role        text PRIMARY KEY,
  pod_id      text NOT NULL,
  expires_at  timestamptz NOT NULL
);
