-- Printers as their account knows them: reported by heartbeats or by pushed printer.offline
-- and printer.online events. The token is compared byte for byte (collation C) so that the
-- key, the list order and the lock order are the same everywhere.
CREATE TABLE printers (
  account_id        text NOT NULL REFERENCES accounts (id),
  printer_token     text COLLATE "C" NOT NULL,
  state             text NOT NULL CHECK (state IN ('online', 'offline')),
  -- The last heartbeat (or pushed printer.online of a printer that sends heartbeats); null
  -- for a printer known only from pushed events, which the offline sweep never touches.
  last_seen_at      timestamptz,
  state_changed_at  timestamptz NOT NULL,
  created_at        timestamptz NOT NULL,
  PRIMARY KEY (account_id, printer_token)
);

-- The offline sweep: online printers by silence.
CREATE INDEX printers_silent ON printers (last_seen_at) WHERE state = 'online';
-- GET /v1/printers?state=...: keyset pages by token within an account and state.
CREATE INDEX printers_by_state ON printers (account_id, state, printer_token);
