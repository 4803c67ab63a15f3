package com.ouvitel.gateway.store;

/** The statements of the delivery pipeline: ingest fan-out, claims, leases and outcomes. */
final class PipelineSql {

  private PipelineSql() {
  }

  /** Reserves idempotency keys; the keys it does not return were used before. */
  static final String RESERVE_KEYS = """
      INSERT INTO idempotency_keys
        (account_id, key, request_hash, event_id, deliveries, created_at)
      SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::text[], $5::int[],
                           $6::timestamptz[])
      ON CONFLICT DO NOTHING
      RETURNING account_id, key
      """;

  /** The earlier use of keys that were already reserved. */
  static final String EARLIER_KEYS = """
      SELECT k.account_id, k.key, k.request_hash, k.event_id, k.deliveries
      FROM idempotency_keys k
      JOIN unnest($1::text[], $2::text[]) AS wanted (account_id, key)
        ON k.account_id = wanted.account_id AND k.key = wanted.key
      """;

  static final String COUNT_KEY_DELIVERIES = """
      UPDATE idempotency_keys k SET deliveries = counted.deliveries
      FROM unnest($1::text[], $2::text[], $3::int[]) AS counted (account_id, key, deliveries)
      WHERE k.account_id = counted.account_id AND k.key = counted.key
      """;

  /**
   * Stores events and fans each out to the enabled webhooks of its Premium account that
   * subscribe to its type, leasing the new deliveries to this pod. A delivery id derives from
   * its event and webhook. Webhook rows are share-locked so that a concurrent delete or
   * disable waits for this commit and then cancels what it created.
   * A test event goes to its one webhook, whatever that webhook subscribes to.
   * Every target becomes one delivery (an insert that fails fails the whole statement), so
   * the answer is read from the targets: joined back to the inserted rows, two CTE scans
   * were compared pair by pair, a million comparisons for a commit of 1,000 deliveries.
   * $1..$5 events (id, created_at, account_id, event, body); $6 lease owner; $7 lease end;
   * $8 the webhook of each test event, null for the others.
   */
  static final String STORE_AND_FAN_OUT = """
      WITH new_events AS (
        INSERT INTO events (id, created_at, account_id, event, body, test_webhook_id)
        SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[],
                             $8::text[])
        RETURNING id, created_at, account_id, event, test_webhook_id
      ), targets AS (
        SELECT 'dlv_' || substr(e.id, 5, 10) || substr(md5(e.id || w.id), 1, 16) AS id,
               e.id AS event_id, e.created_at, e.account_id, e.event, w.id AS webhook_id,
               w.url, w.secret, w.previous_secret, w.previous_secret_expires_at
        FROM new_events e
        JOIN accounts a ON a.id = e.account_id AND a.license = 'premium'
        JOIN webhooks w ON w.account_id = e.account_id AND w.enabled
                       AND w.deleted_at IS NULL
                       AND CASE WHEN e.test_webhook_id IS NULL
                                THEN w.events && ARRAY[e.event, 'all']
                                ELSE w.id = e.test_webhook_id END
        FOR SHARE OF w
      ), new_deliveries AS (
        INSERT INTO deliveries (id, created_at, event_id, webhook_id, account_id, event,
                                status, next_attempt_at, lease_owner, lease_expires_at)
        SELECT t.id, t.created_at, t.event_id, t.webhook_id, t.account_id, t.event,
               'pending', t.created_at, $6, $7
        FROM targets t
      )
      SELECT t.id, t.event_id, t.created_at, t.event, t.webhook_id, t.url, t.secret,
             t.previous_secret, t.previous_secret_expires_at
      FROM targets t
      """;

  /**
   * Stores events that must not be delivered (a pushed printer transition that repeats the
   * printer's current state): $1..$5 as in {@link #STORE_AND_FAN_OUT}.
   */
  static final String STORE_WITHOUT_DELIVERIES = """
      INSERT INTO events (id, created_at, account_id, event, body)
      SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[])
      """;

  /**
   * Leases up to $4 due deliveries to pod $1 until $2, as of time $3: pending ones whose
   * next attempt is due and that no pod holds.
   */
  static final String CLAIM_DUE = claim("""
          WHERE status = 'pending' AND lease_owner IS NULL AND next_attempt_at <= $3
          ORDER BY next_attempt_at""");

  /**
   * Leases up to $4 deliveries to pod $1 until $2 whose lease ran out by $3: their pod
   * stopped without giving them back.
   */
  static final String CLAIM_EXPIRED = claim("""
          WHERE status = 'pending' AND lease_owner IS NOT NULL AND lease_expires_at < $3
          ORDER BY lease_expires_at""");

  private static String claim(String which) {
    return """
        WITH claimed AS (
          UPDATE deliveries d SET lease_owner = $1, lease_expires_at = $2
          FROM (
            SELECT id, created_at FROM deliveries
            %s
            LIMIT $4
            FOR UPDATE SKIP LOCKED
          ) due
          WHERE d.id = due.id AND d.created_at = due.created_at
          RETURNING d.id, d.created_at, d.event_id, d.webhook_id, d.event, d.attempt_count
        )
        SELECT c.id, c.created_at, c.event_id, c.webhook_id, c.event, c.attempt_count,
               w.url, w.secret, w.previous_secret, w.previous_secret_expires_at,
               w.enabled AND w.deleted_at IS NULL AS active, e.body
        FROM claimed c
        JOIN webhooks w ON w.id = c.webhook_id
        JOIN events e ON e.id = c.event_id AND e.created_at = c.created_at
        """.formatted(which.strip());
  }

  /** Cancels claimed deliveries whose webhook is gone: $1 ids, $2 created_at, $3 time. */
  static final String CANCEL_INACTIVE = """
      UPDATE deliveries d
      SET status = 'cancelled', status_reason = 'webhook_disabled', completed_at = $3,
          next_attempt_at = NULL, lease_owner = NULL, lease_expires_at = NULL
      FROM unnest($1::text[], $2::timestamptz[]) AS u (id, created_at)
      WHERE d.id = u.id AND d.created_at = u.created_at AND d.status = 'pending'
      """;

  /**
   * Extends every lease of pod $1 to $2. Rows locked right now are being written by an
   * outcome, which ends the lease anyway: skipped, so that renewal never waits or deadlocks.
   */
  static final String RENEW_LEASES = """
      UPDATE deliveries d SET lease_expires_at = $2
      FROM (
        SELECT id, created_at FROM deliveries
        WHERE lease_owner = $1 AND status = 'pending'
        FOR UPDATE SKIP LOCKED
      ) mine
      WHERE d.id = mine.id AND d.created_at = mine.created_at
      """;

  /** Gives back every lease of pod $1, so other pods take its deliveries at once. */
  static final String RELEASE_LEASES = """
      UPDATE deliveries SET lease_owner = NULL, lease_expires_at = NULL
      WHERE lease_owner = $1 AND status = 'pending'
      """;

  /**
   * Logs attempts, moves their deliveries on and counts both in the statistics roll-ups
   * (attempt_rollups, per webhook and minute, hour and day). A delivery no longer pending
   * (cancelled meanwhile) or already past that attempt (another pod took over) is left as
   * it is; only attempts actually logged and deliveries actually moved are counted.
   * $1 ids, $2 created_at, $3 attempt numbers, $4 webhook ids, $5 started_at, $6 durations,
   * $7 results, $8 status codes, $9 snippets, $10 errors, $11 new statuses,
   * $12 next attempts, $13 completion times.
   */
  static final String RECORD_ATTEMPTS = """
      WITH logged AS (
        INSERT INTO attempts (delivery_id, delivery_created_at, number, webhook_id,
                              started_at, duration_ms, result, status_code,
                              response_snippet, error)
        SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::text[],
                             $5::timestamptz[], $6::int[], $7::text[], $8::int[],
                             $9::text[], $10::text[])
        ON CONFLICT DO NOTHING
        RETURNING delivery_id, delivery_created_at, number, webhook_id, started_at,
                  duration_ms, result
      ), moved AS (
        UPDATE deliveries d
        SET status = u.status, attempt_count = u.number, next_attempt_at = u.next_attempt_at,
            completed_at = u.completed_at, last_result = u.result,
            last_status_code = u.status_code, lease_owner = NULL, lease_expires_at = NULL
        FROM unnest($1::text[], $2::timestamptz[], $3::int[], $11::text[],
                    $12::timestamptz[], $13::timestamptz[], $7::text[], $8::int[])
             AS u (id, created_at, number, status, next_attempt_at, completed_at, result,
                   status_code)
        WHERE d.id = u.id AND d.created_at = u.created_at
          AND d.status = 'pending' AND d.attempt_count < u.number
        RETURNING d.id, d.created_at, d.attempt_count, d.status
      )
      INSERT INTO attempt_rollups AS r (webhook_id, unit, bucket, result, attempts,
                                        delivered, failed, latency_counts)
      SELECT l.webhook_id, unit.name, date_trunc(unit.name, l.started_at, 'UTC'), l.result,
             count(*), count(*) FILTER (WHERE m.status = 'succeeded'),
             count(*) FILTER (WHERE m.status = 'failed'), latency_histogram(l.duration_ms)
      FROM logged l
      LEFT JOIN moved m ON m.id = l.delivery_id AND m.created_at = l.delivery_created_at
                       AND m.attempt_count = l.number
      CROSS JOIN (VALUES ('minute'), ('hour'), ('day')) AS unit (name)
      GROUP BY 1, 2, 3, 4
      ORDER BY 1, 2, 3, 4
      ON CONFLICT (webhook_id, unit, bucket, result) DO UPDATE
      SET attempts = r.attempts + excluded.attempts,
          delivered = r.delivered + excluded.delivered,
          failed = r.failed + excluded.failed,
          latency_counts = latency_histogram_sum(r.latency_counts, excluded.latency_counts)
      """;

  /** Puts deliveries back in the queue for later without an attempt: $1 ids, $2, $3 times. */
  static final String DEFER = """
      UPDATE deliveries d
      SET next_attempt_at = u.next_attempt_at, lease_owner = NULL, lease_expires_at = NULL
      FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[])
           AS u (id, created_at, next_attempt_at)
      WHERE d.id = u.id AND d.created_at = u.created_at AND d.status = 'pending'
      """;

  /** Disables webhook $1 for reason $2 at $3 and cancels its pending deliveries. */
  static final String DISABLE_WEBHOOK = """
      WITH disabled AS (
        UPDATE webhooks SET enabled = false, disabled_reason = $2, updated_at = $3
        WHERE id = $1 AND enabled
      )
      UPDATE deliveries SET status = 'cancelled', status_reason = $2, completed_at = $3,
                            next_attempt_at = NULL, lease_owner = NULL, lease_expires_at = NULL
      WHERE webhook_id = $1 AND status = 'pending'
      RETURNING event
      """;

  /**
   * The backlog, for the gauges: pending deliveries, and the due time of the most overdue
   * one as of $1 (a delivery waiting for a retry hours away is not late).
   */
  static final String BACKLOG = """
      SELECT count(*) AS pending, min(next_attempt_at) FILTER (WHERE next_attempt_at <= $1)
             AS oldest
      FROM deliveries WHERE status = 'pending'
      """;

  /** Webhooks disabled or deleted since $1 and not enabled again, any pod's doing. */
  static final String STOPPED_SINCE = """
      SELECT id FROM webhooks WHERE NOT enabled AND updated_at > $1
      """;

  static final String ENSURE_PARTITIONS = "SELECT ensure_partitions($1::date, $2)";
}
