-- Issue 7: day roll-ups, so the 30-day statistics read 30 rows per result instead of 720,
-- and a histogram sum that adds in place instead of unnesting both arrays.
ALTER TABLE attempt_rollups DROP CONSTRAINT attempt_rollups_unit_check;
ALTER TABLE attempt_rollups ADD CONSTRAINT attempt_rollups_unit_check
  CHECK (unit IN ('minute', 'hour', 'day'));

CREATE OR REPLACE FUNCTION latency_histogram_sum(a int[], b int[]) RETURNS int[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  IF a IS NULL THEN
    RETURN b;
  ELSIF b IS NULL THEN
    RETURN a;
  END IF;
  FOR i IN 1 .. cardinality(b) LOOP
    a[i] := coalesce(a[i], 0) + b[i];
  END LOOP;
  RETURN a;
END;
$$;

INSERT INTO attempt_rollups
SELECT webhook_id, 'day', date_trunc('day', bucket, 'UTC'), result, sum(attempts),
       sum(delivered), sum(failed), latency_histograms(latency_counts)
FROM attempt_rollups WHERE unit = 'hour'
GROUP BY 1, 3, 4;
