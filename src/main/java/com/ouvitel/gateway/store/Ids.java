package com.ouvitel.gateway.store;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Identifiers with a type prefix and a time-ordered body: 10 characters of milliseconds and
 * 16 random ones, in lowercase Crockford base 32. Sorting ids sorts by creation time, which
 * gives keyset pagination for free, and the creation time read back from an id names the
 * partition that holds the row.
 */
public final class Ids {

  public static final String ACCOUNT = "acct_";
  public static final String WEBHOOK = "wh_";
  public static final String EVENT = "evt_";
  public static final String DELIVERY = "dlv_";

  private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
  private static final SecureRandom SECURE = new SecureRandom();

  private Ids() {
  }

  public static String next(String prefix, Instant createdAt) {
    char[] id = new char[prefix.length() + 26];
    prefix.getChars(0, prefix.length(), id, 0);
    int at = prefix.length();
    long millis = createdAt.toEpochMilli();
    for (int i = 9; i >= 0; i--) {
      id[at + i] = ALPHABET[(int) (millis & 31)];
      millis >>>= 5;
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high = random.nextLong();
    long low = random.nextLong();
    for (int i = 0; i < 16; i++) {
      long bits = i < 12 ? high >>> (i * 5) : low >>> ((i - 12) * 5);
      id[at + 10 + i] = ALPHABET[(int) (bits & 31)];
    }
    return new String(id);
  }

  /** The creation time encoded in an id, or null when the text is not an id of that type. */
  public static Instant createdAt(String prefix, String id) {
    if (id == null || id.length() != prefix.length() + 26 || !id.startsWith(prefix)) {
      return null;
    }
    long millis = 0;
    for (int i = 0; i < 26; i++) {
      int value = decode(id.charAt(prefix.length() + i));
      if (value < 0) {
        return null;
      }
      if (i < 10) {
        millis = (millis << 5) | value;
      }
    }
    return Instant.ofEpochMilli(millis);
  }

  /** Random text for secrets and keys. */
  public static byte[] randomBytes(int count) {
    byte[] bytes = new byte[count];
    SECURE.nextBytes(bytes);
    return bytes;
  }

  private static int decode(char c) {
    for (int i = 0; i < ALPHABET.length; i++) {
      if (ALPHABET[i] == c) {
        return i;
      }
    }
    return -1;
  }
}
