-- Webhooks disabled or deleted lately, which every pod reads each second so that its
-- dispatcher drops the deliveries it holds for them whichever pod took the stop.
CREATE INDEX webhooks_stopped ON webhooks (updated_at) WHERE NOT enabled;
