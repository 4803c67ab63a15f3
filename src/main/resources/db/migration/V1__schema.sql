-- Accounts, their API keys and their webhooks: small tables, never partitioned.
CREATE TABLE accounts (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  license     text NOT NULL CHECK (license IN ('premium', 'best_effort')),
  created_at  timestamptz NOT NULL
);

-- Only the SHA-256 of a key is kept; the key itself is shown once, at creation.
CREATE TABLE api_keys (
  key_hash    bytea PRIMARY KEY,
  account_id  text NOT NULL REFERENCES accounts (id),
  created_at  timestamptz NOT NULL
);

CREATE TABLE webhooks (
  id                          text PRIMARY KEY,
  account_id                  text NOT NULL REFERENCES accounts (id),
  url                         text NOT NULL,
  events                      text[] NOT NULL,
  description                 text NOT NULL DEFAULT '',
  enabled                     boolean NOT NULL DEFAULT true,
  disabled_reason             text,
  secret                      text NOT NULL,
  previous_secret             text,
  previous_secret_expires_at  timestamptz,
  created_at                  timestamptz NOT NULL,
  updated_at                  timestamptz NOT NULL,
  deleted_at                  timestamptz
);
CREATE INDEX webhooks_by_account ON webhooks (account_id, id) WHERE deleted_at IS NULL;

-- Idempotency keys outlive no event: they are pruned with the retention of events.
CREATE TABLE idempotency_keys (
  account_id    text NOT NULL,
  key           text NOT NULL,
  request_hash  bytea NOT NULL,
  event_id      text NOT NULL,
  deliveries    int NOT NULL,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);

-- Events, deliveries and attempts are partitioned by the day their event was accepted,
-- so that retention drops whole partitions. The creation time is encoded in every id,
-- which lets a lookup by id touch one partition only.
CREATE TABLE events (
  id          text NOT NULL,
  created_at  timestamptz NOT NULL,
  account_id  text NOT NULL,
  event       text NOT NULL,
  body        text NOT NULL,
  test_webhook_id text,
  PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);

CREATE TABLE deliveries (
  id                text NOT NULL,
  created_at        timestamptz NOT NULL,
  event_id          text NOT NULL,
  webhook_id        text NOT NULL,
  account_id        text NOT NULL,
  event             text NOT NULL,
  status            text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled')),
  attempt_count     int NOT NULL DEFAULT 0,
  next_attempt_at   timestamptz,
  lease_owner       text,
  lease_expires_at  timestamptz,
  completed_at      timestamptz,
  last_result       text,
  last_status_code  int,
  status_reason     text,
  PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_leased ON deliveries (lease_owner) WHERE lease_owner IS NOT NULL;
CREATE INDEX deliveries_by_account ON deliveries (account_id, id DESC);
CREATE INDEX deliveries_by_webhook ON deliveries (webhook_id, id DESC);
CREATE INDEX deliveries_by_event ON deliveries (event_id);
CREATE INDEX deliveries_pending_by_webhook ON deliveries (webhook_id) WHERE status = 'pending';

CREATE TABLE attempts (
  delivery_id          text NOT NULL,
  delivery_created_at  timestamptz NOT NULL,
  number               int NOT NULL,
  webhook_id           text NOT NULL,
  started_at           timestamptz NOT NULL,
  duration_ms          int NOT NULL,
  result               text NOT NULL,
  status_code          int,
  response_snippet     text,
  error                text,
  PRIMARY KEY (delivery_id, delivery_created_at, number)
) PARTITION BY RANGE (delivery_created_at);
CREATE INDEX attempts_by_webhook ON attempts (webhook_id, started_at);

-- A safety net: a row whose day has no partition yet lands here instead of failing.
CREATE TABLE events_default PARTITION OF events DEFAULT;
CREATE TABLE deliveries_default PARTITION OF deliveries DEFAULT;
CREATE TABLE attempts_default PARTITION OF attempts DEFAULT;

-- Creates the daily partitions of the three logged tables from first_day on, for days days.
-- Idempotent, and safe to call from several pods at once (it takes an advisory lock).
CREATE FUNCTION ensure_partitions(first_day date, days int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
  day date;
  parent text;
  created int := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(727001);
  FOR i IN 0 .. days - 1 LOOP
    day := first_day + i;
    FOREACH parent IN ARRAY ARRAY['events', 'deliveries', 'attempts'] LOOP
      IF to_regclass(format('%I_p%s', parent, to_char(day, 'YYYYMMDD'))) IS NULL THEN
        BEGIN
          EXECUTE format(
            'CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
            parent || '_p' || to_char(day, 'YYYYMMDD'), parent,
            day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
          created := created + 1;
        EXCEPTION WHEN check_violation THEN
          -- Rows of that day already sit in the default partition; they stay there.
          RAISE NOTICE 'partition of % for % left in the default partition', parent, day;
        END;
      END IF;
    END LOOP;
  END LOOP;
  RETURN created;
END;
$$;

SELECT ensure_partitions((now() AT TIME ZONE 'UTC')::date - 1, 9);
