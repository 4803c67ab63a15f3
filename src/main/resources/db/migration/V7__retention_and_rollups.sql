-- Issue 7: delivery-log indexes, attempt roll-ups for the statistics, and partition
-- maintenance that does not lock the logged tables against ingest.

-- The delivery log is read newest first by (created_at, id), the partition key first, so
-- the planner walks the daily partitions in order and stops at the page's end.
-- These replace the (…, id DESC) indexes of V1, which made it merge every partition.
DROP INDEX deliveries_by_account;
DROP INDEX deliveries_by_webhook;
CREATE INDEX deliveries_log_by_account ON deliveries (account_id, created_at DESC, id DESC);
CREATE INDEX deliveries_log_by_webhook ON deliveries (webhook_id, created_at DESC, id DESC);
-- Failed and cancelled deliveries are few and are what customers look for; pending ones
-- have deliveries_pending_by_webhook. Succeeded ones are most rows: the base index serves.
CREATE INDEX deliveries_log_failed ON deliveries (account_id, created_at DESC, id DESC)
  WHERE status = 'failed';
CREATE INDEX deliveries_log_cancelled ON deliveries (account_id, created_at DESC, id DESC)
  WHERE status = 'cancelled';

-- Bounds, in milliseconds, of the latency histogram of the roll-ups: slot i (from 1)
-- counts the attempts with bounds[i] <= duration < bounds[i + 1]; the last is open.
CREATE FUNCTION latency_bounds() RETURNS int[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY[0, 2, 5, 10, 15, 20, 30, 40, 50, 75, 100, 150, 200, 300, 400, 500, 750,
               1000, 1500, 2000, 3000, 4000, 5000, 7500, 10000, 20000, 30000, 60000]
$$;

CREATE FUNCTION latency_histogram_add(counts int[], duration_ms int) RETURNS int[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  slot int := width_bucket(greatest(duration_ms, 0), latency_bounds());
BEGIN
  IF counts IS NULL THEN
    counts := array_fill(0, ARRAY[cardinality(latency_bounds())]);
  END IF;
  counts[slot] := counts[slot] + 1;
  RETURN counts;
END;
$$;

-- Element-wise sum of two histograms; a null one counts as empty.
CREATE FUNCTION latency_histogram_sum(a int[], b int[]) RETURNS int[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i)
  FROM unnest(a, b) WITH ORDINALITY AS t (x, y, i)
$$;

CREATE AGGREGATE latency_histogram(int) (
  SFUNC = latency_histogram_add, STYPE = int[]);
CREATE AGGREGATE latency_histograms(int[]) (
  SFUNC = latency_histogram_sum, STYPE = int[]);

-- Attempts counted per webhook, per minute and per hour, per result, written in the same
-- statement that logs the attempts. delivered / failed count the deliveries that attempt
-- ended. Minute rows serve the 1h window and are kept two days; hour rows serve the others
-- and are kept as long as the log.
CREATE TABLE attempt_rollups (
  webhook_id      text NOT NULL,
  unit            text NOT NULL CHECK (unit IN ('minute', 'hour')),
  bucket          timestamptz NOT NULL,
  result          text NOT NULL,
  attempts        int NOT NULL,
  delivered       int NOT NULL,
  failed          int NOT NULL,
  latency_counts  int[] NOT NULL,
  PRIMARY KEY (webhook_id, unit, bucket, result)
);
CREATE INDEX attempt_rollups_by_age ON attempt_rollups (unit, bucket);

INSERT INTO attempt_rollups
SELECT a.webhook_id, u.unit, date_trunc(u.unit, a.started_at, 'UTC'), a.result, count(*),
       count(*) FILTER (WHERE d.status = 'succeeded' AND d.attempt_count = a.number),
       count(*) FILTER (WHERE d.status = 'failed' AND d.attempt_count = a.number),
       latency_histogram(a.duration_ms)
FROM attempts a
JOIN deliveries d ON d.id = a.delivery_id AND d.created_at = a.delivery_created_at
CROSS JOIN (VALUES ('minute'), ('hour')) AS u (unit)
GROUP BY 1, 2, 3, 4;

-- Creates the daily partitions of the three logged tables from first_day on, for days days.
-- A new day is made as a plain table with the partition's CHECK and then attached: that
-- takes SHARE UPDATE EXCLUSIVE on the parent (ingest and dispatch go on) and a short
-- ACCESS EXCLUSIVE on the default partition only. Rows of that day that landed in the
-- default partition meanwhile are moved into the new partition first. Idempotent, and
-- safe from several pods at once (advisory lock). Callers set lock_timeout.
CREATE OR REPLACE FUNCTION ensure_partitions(first_day date, days int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
  day date;
  parent text;
  child text;
  low timestamptz;
  high timestamptz;
  created int := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(727001);
  FOR i IN 0 .. days - 1 LOOP
    day := first_day + i;
    low := day::timestamp AT TIME ZONE 'UTC';
    high := (day + 1)::timestamp AT TIME ZONE 'UTC';
    FOREACH parent IN ARRAY ARRAY['events', 'deliveries', 'attempts'] LOOP
      child := parent || '_p' || to_char(day, 'YYYYMMDD');
      IF to_regclass(child) IS NULL THEN
        PERFORM create_day_partition(parent, child, low, high);
        created := created + 1;
      END IF;
    END LOOP;
  END LOOP;
  RETURN created;
END;
$$;

-- One day's partition of one parent, [low, high): see ensure_partitions.
CREATE FUNCTION create_day_partition(parent text, child text, low timestamptz,
    high timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  key text := CASE parent WHEN 'attempts' THEN 'delivery_created_at' ELSE 'created_at' END;
  moved bigint;
BEGIN
  EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                 child, parent);
  EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (%I >= %L AND %I < %L)',
                 child, child || '_range', key, low, key, high);
  EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= %L AND %I < %L RETURNING *) '
                 'INSERT INTO %I SELECT * FROM moved',
                 parent || '_default', key, low, key, high, child);
  GET DIAGNOSTICS moved = ROW_COUNT;
  IF moved > 0 THEN
    RAISE NOTICE '% rows of % moved from the default partition into %', moved, parent, child;
  END IF;
  EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                 parent, child, low, high);
  -- The range CHECK only spared the validation scan; the partition bound replaces it.
  EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', child, child || '_range');
END;
$$;

-- The days of rows sitting in the default partitions (they had no partition when they
-- came): the retention job creates those days, which moves the rows out.
CREATE FUNCTION default_partition_days() RETURNS SETOF date
LANGUAGE sql STABLE AS $$
  SELECT DISTINCT (created_at AT TIME ZONE 'UTC')::date FROM events_default
  UNION
  SELECT DISTINCT (created_at AT TIME ZONE 'UTC')::date FROM deliveries_default
  UNION
  SELECT DISTINCT (delivery_created_at AT TIME ZONE 'UTC')::date FROM attempts_default
$$;
