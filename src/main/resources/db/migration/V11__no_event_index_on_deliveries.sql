-- Issue 9: the deliveries of an event share its account and its creation time, so
-- deliveries_log_by_account (account_id, created_at, id) finds them; an index of its own
-- cost every delivery one more index entry on insert and another on each state change.
DROP INDEX deliveries_by_event;
