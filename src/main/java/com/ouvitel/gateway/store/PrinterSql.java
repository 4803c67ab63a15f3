package com.ouvitel.gateway.store;

/**
 * The statements of the printers table: heartbeats, the offline sweep, pushed transitions
 * and the list. Every statement that takes row locks takes them in key order, so that two
 * pods writing overlapping printers wait for each other instead of deadlocking.
 */
final class PrinterSql {

  private PrinterSql() {
  }

  /**
   * Locks the known printers among the keys ($1 accounts, $2 tokens) until the end of the
   * transaction and reads their state. A sweep that flipped one of them first has
   * committed by the time this returns, so the state read is the one the writes change.
   */
  static final String LOCK_KNOWN = """
      SELECT p.account_id, p.printer_token, p.state
      FROM printers p
      JOIN unnest($1::text[], $2::text[]) AS k (account_id, printer_token)
        ON p.account_id = k.account_id AND p.printer_token = k.printer_token
      ORDER BY p.account_id, p.printer_token
      FOR UPDATE OF p
      """;

  /**
   * Records heartbeats ($1 accounts, $2 tokens, $3 times, in key order): a printer is
   * online and last seen at the latest of its heartbeats. $4 is the time of this write, the
   * moment an offline printer came back.
   */
  static final String RECORD_HEARTBEATS = """
      INSERT INTO printers AS p (account_id, printer_token, state, last_seen_at,
                                 state_changed_at, created_at)
      SELECT account_id, printer_token, 'online', seen_at, $4, $4
      FROM unnest($1::text[], $2::text[], $3::timestamptz[])
           AS b (account_id, printer_token, seen_at)
      ON CONFLICT (account_id, printer_token) DO UPDATE
      SET last_seen_at = GREATEST(p.last_seen_at, excluded.last_seen_at),
          state = 'online',
          state_changed_at = CASE WHEN p.state = 'offline' THEN excluded.state_changed_at
                                  ELSE p.state_changed_at END
      """;

  /**
   * Flips up to $3 online printers silent since before $1 to offline at $2 and returns them.
   * Rows another transaction holds (a heartbeat being written, another pod's sweep) are
   * skipped: whichever commits first decides, and the other sees the new state.
   */
  static final String FLIP_SILENT = """
      UPDATE printers p SET state = 'offline', state_changed_at = $2
      FROM (
        SELECT account_id, printer_token FROM printers
        WHERE state = 'online' AND last_seen_at < $1
        ORDER BY last_seen_at
        LIMIT $3
        FOR UPDATE SKIP LOCKED
      ) silent
      WHERE p.account_id = silent.account_id AND p.printer_token = silent.printer_token
      RETURNING p.account_id, p.printer_token, p.last_seen_at
      """;

  /**
   * Applies pushed transitions ($1 accounts, $2 tokens, $3 new states, $4 times, in key
   * order). A pushed printer.online counts as a sign of life for a printer that sends
   * heartbeats, so the sweep does not take it offline again at once; a printer known only
   * from pushed events keeps no last-seen time and is never swept.
   */
  static final String APPLY_PUSHED = """
      INSERT INTO printers AS p (account_id, printer_token, state, last_seen_at,
                                 state_changed_at, created_at)
      SELECT account_id, printer_token, state, NULL, changed_at, changed_at
      FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
           AS t (account_id, printer_token, state, changed_at)
      ON CONFLICT (account_id, printer_token) DO UPDATE
      SET state = excluded.state,
          state_changed_at = excluded.state_changed_at,
          last_seen_at = CASE WHEN excluded.state = 'online' AND p.last_seen_at IS NOT NULL
                              THEN GREATEST(p.last_seen_at, excluded.state_changed_at)
                              ELSE p.last_seen_at END
      """;

  /**
   * One page of an account's printers in token order: $1 account, $2 state or null for
   * both, $3 the last token of the previous page or null, $4 page size plus one.
   */
  static final String LIST = """
      SELECT printer_token, state, last_seen_at, state_changed_at FROM printers
      WHERE account_id = $1 AND ($2::text IS NULL OR state = $2)
        AND ($3::text IS NULL OR printer_token > $3)
      ORDER BY printer_token
      LIMIT $4
      """;
}
