package com.ouvitel.gateway.delivery;

import java.util.Locale;

/** How one attempt ended; the names are those of the API and the metrics. */
public enum AttemptResult {
  SUCCESS,
  HTTP_ERROR,
  TIMEOUT,
  CONNECTION_ERROR,
  TLS_ERROR,
  BLOCKED_DESTINATION,
  REDIRECT;

  private final String label = name().toLowerCase(Locale.ROOT);

  public String label() {
    return label;
  }
}
