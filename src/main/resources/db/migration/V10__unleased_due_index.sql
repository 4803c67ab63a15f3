-- Issue 9: the claim of due deliveries reads only those no pod holds. Deliveries handed from
-- ingest to the dispatcher in memory are leased from their insert and never enter this
-- index, so a claim no longer walks past every delivery in flight (it took 8-15 ms a call
-- with 1,500 in flight, and ran dozens of times a second). Leases left by a pod that
-- stopped are claimed by their expiry through deliveries_leased, once a second.
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at)
  WHERE status = 'pending' AND lease_owner IS NULL;
