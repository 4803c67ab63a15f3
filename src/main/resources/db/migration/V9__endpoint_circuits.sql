-- Open circuit breakers, by endpoint URL (issue 7). The dispatcher of each pod keeps its
-- circuits in memory and writes here when one opens, stays open longer or closes, so that
-- the API and the dashboard can tell a customer that deliveries to an endpoint are held.
-- A row whose open_until has long passed is left by a pod that stopped: it reads as closed.
CREATE TABLE endpoint_circuits (
  url                text PRIMARY KEY,
  opened_at          timestamptz NOT NULL,
  open_until         timestamptz NOT NULL,
  failures_in_a_row  integer NOT NULL,
  updated_at         timestamptz NOT NULL
);
