-- Query plans of the delivery log and statistics on a database loaded by
-- com.ouvitel.gateway.bench.DeliveryLogGenerator (see README, "Dashboard, delivery log
-- retention and statistics"):
--   psql postgres://postgres@127.0.0.1:5432/ouvitel_logload -f bench/delivery-log-plans.sql
\timing off
\pset pager off
SET plan_cache_mode = auto;
-- 1. the log of an account, first page (50 + 1)
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT d.id, d.created_at, d.event_id, d.webhook_id, d.event, d.status, d.attempt_count,
       d.next_attempt_at, d.completed_at, d.last_result, d.last_status_code, d.status_reason
FROM deliveries d WHERE d.account_id = 'acct_load1'
ORDER BY d.created_at DESC, d.id DESC LIMIT 51;
-- 2. one webhook, a page deep in the past (cursor 15 days back)
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT d.id, d.created_at, d.status FROM deliveries d
WHERE d.account_id = 'acct_load1' AND d.webhook_id = 'wh_load1_7'
  AND d.created_at <= now() - interval '15 days'
  AND (d.created_at, d.id) < (now() - interval '15 days', 'dlv_zzzz')
ORDER BY d.created_at DESC, d.id DESC LIMIT 51;
-- 3. failed deliveries of an account
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT d.id, d.created_at, d.status FROM deliveries d
WHERE d.account_id = 'acct_load1' AND d.status = 'failed'
ORDER BY d.created_at DESC, d.id DESC LIMIT 51;
-- 4. failed deliveries of one webhook of a small account
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT d.id, d.created_at, d.status FROM deliveries d
WHERE d.account_id = 'acct_load3' AND d.webhook_id = 'wh_load3_4' AND d.status = 'failed'
ORDER BY d.created_at DESC, d.id DESC LIMIT 51;
-- 5. by event type and a time window
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT d.id, d.created_at, d.status FROM deliveries d
WHERE d.account_id = 'acct_load2' AND d.event = 'print.failure'
  AND d.created_at >= now() - interval '10 days' AND d.created_at < now() - interval '9 days'
ORDER BY d.created_at DESC, d.id DESC LIMIT 51;
-- a delivery from 20 days ago, for the lookups by id
SELECT id AS did, created_at AS dat, event_id AS eid FROM deliveries
WHERE created_at >= now() - interval '20 days' AND created_at < now() - interval '19 days'
  AND account_id = 'acct_load1' AND attempt_count = 3 LIMIT 1 \gset
-- 6. GET /v1/deliveries/{id}: the delivery with its body, then its attempts
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT d.id, d.status, e.body FROM deliveries d
JOIN events e ON e.id = d.event_id AND e.created_at = d.created_at
WHERE d.id = :'did' AND d.created_at = :'dat' AND d.account_id = 'acct_load1';
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT number, started_at, duration_ms, result, status_code, response_snippet, error
FROM attempts WHERE delivery_id = :'did' AND delivery_created_at = :'dat' ORDER BY number;
-- 7. GET /v1/events/{id}: the event, then its deliveries
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT id, created_at, event, body, test_webhook_id FROM events
WHERE id = :'eid' AND created_at = :'dat' AND account_id = 'acct_load1';
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT d.id, d.status FROM deliveries d
WHERE d.account_id = 'acct_load1' AND d.created_at = :'dat' AND d.event_id = :'eid'
ORDER BY d.id;
-- 8. stats, 30 days: totals, series and backlog from the roll-ups
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT result, sum(attempts), sum(delivered), sum(failed),
       latency_histograms(latency_counts), latency_bounds()
FROM attempt_rollups WHERE webhook_id = 'wh_load1_7' AND unit = 'day'
  AND bucket >= date_trunc('day', now(), 'UTC') - interval '29 days'
GROUP BY result;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT date_bin(86400 * interval '1 second', bucket,
                date_trunc('day', now(), 'UTC') - interval '29 days') AS start,
       sum(attempts), sum(delivered), sum(failed)
FROM attempt_rollups WHERE webhook_id = 'wh_load1_7' AND unit = 'day'
  AND bucket >= date_trunc('day', now(), 'UTC') - interval '29 days'
GROUP BY 1 ORDER BY 1;
-- 8b. stats, 7 days, from the hour roll-ups
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT result, sum(attempts), sum(delivered), sum(failed),
       latency_histograms(latency_counts), latency_bounds()
FROM attempt_rollups WHERE webhook_id = 'wh_load1_7' AND unit = 'hour'
  AND bucket >= date_trunc('hour', now()) - interval '167 hours'
GROUP BY result;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT count(*) FROM deliveries WHERE webhook_id = 'wh_load1_7' AND status = 'pending';
-- 9. for comparison: the same totals from the raw attempts (what V1 did per request)
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT result, count(*), percentile_disc(0.5) WITHIN GROUP (ORDER BY duration_ms)
FROM attempts WHERE webhook_id = 'wh_load1_7' AND started_at >= now() - interval '30 days'
GROUP BY result;
