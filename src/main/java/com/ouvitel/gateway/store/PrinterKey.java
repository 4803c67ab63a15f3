package com.ouvitel.gateway.store;

import java.util.regex.Pattern;

/**
 * A printer as its account knows it. Keys sort by account, then token, byte for byte (the
 * tokens are ASCII), which is the order PostgreSQL locks them in.
 */
public record PrinterKey(String accountId, String token) implements Comparable<PrinterKey> {

  /** What a printer token may be: the characters that need no escaping in a URL path. */
  public static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._~:-]{1,128}");

  /** The rule above, in words, for error messages. */
  public static final String TOKEN_RULE =
      "must be 1 to 128 characters of letters, digits and . _ ~ : -";

  public static boolean isToken(String text) {
    return text != null && TOKEN.matcher(text).matches();
  }

  @Override
  public int compareTo(PrinterKey other) {
    int byAccount = accountId.compareTo(other.accountId);
    return byAccount != 0 ? byAccount : token.compareTo(other.token);
  }
}
