package com.ouvitel.gateway.retention;

/** The statements of partition maintenance and retention. */
final class RetentionSql {

  private RetentionSql() {
  }

  /** Key of the session advisory lock that lets one pod at a time run the job. */
  static final long JOB_LOCK = 727007;

  static final String TRY_LOCK = "SELECT pg_try_advisory_lock($1) AS locked";

  /** Bounds each lock wait of the transaction that follows ($1: milliseconds). */
  static final String LOCK_TIMEOUT = "SELECT set_config('lock_timeout', $1 || 'ms', true)";

  static final String ENSURE_PARTITIONS = "SELECT ensure_partitions($1::date, $2) AS created";

  static final String DEFAULT_PARTITION_DAYS =
      "SELECT day FROM default_partition_days() AS day ORDER BY day";

  static final String DEFAULT_PARTITION_ROWS = """
      SELECT (SELECT count(*) FROM events_default) + (SELECT count(*) FROM deliveries_default)
             + (SELECT count(*) FROM attempts_default) AS rows
      """;

  /** The daily partitions of deliveries, oldest first, as their day text YYYYMMDD. */
  static final String DELIVERY_PARTITION_DAYS = """
      SELECT substr(c.relname, 13) AS day
      FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'deliveries'::regclass AND c.relname ~ '^deliveries_p[0-9]{8}$'
      ORDER BY day
      """;

  /**
   * Keeps writers off one day's deliveries while the job looks for pending ones; readers go
   * on. The partition is old: only retries and claims of its pending deliveries write it.
   */
  static final String LOCK_DAY = "LOCK TABLE %s IN EXCLUSIVE MODE";

  static final String PENDING_OF_DAY =
      "SELECT count(*) AS pending FROM %s WHERE status = 'pending'";

  static final String DROP_DAY = "DROP TABLE IF EXISTS %s, %s, %s";

  /** Idempotency keys older than $1, a batch of at most $2. */
  static final String PRUNE_KEYS = """
      DELETE FROM idempotency_keys
      WHERE (account_id, key) IN (
        SELECT account_id, key FROM idempotency_keys WHERE created_at < $1 LIMIT $2)
      """;

  /** Roll-up rows of unit $1 older than $2, a batch of at most $3. */
  static final String PRUNE_ROLLUPS = """
      DELETE FROM attempt_rollups
      WHERE (webhook_id, unit, bucket, result) IN (
        SELECT webhook_id, unit, bucket, result FROM attempt_rollups
        WHERE unit = $1 AND bucket < $2 LIMIT $3)
      """;
}
