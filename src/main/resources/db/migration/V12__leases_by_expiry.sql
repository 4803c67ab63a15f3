-- Issue 9: leases are found by their expiry. The claim of leases that ran out (a pod stopped
-- without giving them back) runs every second on every pod; by lease_owner it read every
-- delivery in flight (18 ms a time with 1,500 in flight), by expiry it reads none while
-- none has run out. Renewal and release, by owner, read this index whole: every 10 s and at
-- a stop.
DROP INDEX deliveries_leased;
CREATE INDEX deliveries_leased ON deliveries (lease_expires_at)
  WHERE status = 'pending' AND lease_owner IS NOT NULL;
