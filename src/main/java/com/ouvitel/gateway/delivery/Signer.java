package com.ouvitel.gateway.delivery;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs delivery bodies. One instance per event loop: it keeps a {@link Mac} and the derived
 * keys of recently used secrets, neither of which is thread-safe to share.
 *
 * <p>{@code X-Ouvitel-Signature} is the lowercase hex HMAC-SHA256 of the raw body keyed with
 * the secret's UTF-8 bytes, as the customer description says. The Standard Webhooks
 * signature is {@code v1,} and the base64 HMAC-SHA256 of {@code id.timestamp.body}, keyed with
 * the bytes that the base64 part of the {@code whsec_} secret decodes to.
 */
public final class Signer {

  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final int CACHED_KEYS = 4096;

  private final Mac mac;
  private final Map<String, SecretKeySpec> ouvitelKeys = lru();
  private final Map<String, SecretKeySpec> standardKeys = lru();

  public Signer() {
    try {
      mac = Mac.getInstance("HmacSHA256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }

  /** The value of {@code X-Ouvitel-Signature}. */
  public String ouvitelSignature(String secret, byte[] body) {
    byte[] digest = hmac(ouvitelKeys.computeIfAbsent(secret, Signer::ouvitelKey), body);
    char[] hex = new char[digest.length * 2];
    for (int i = 0; i < digest.length; i++) {
      hex[2 * i] = HEX[(digest[i] >> 4) & 15];
      hex[2 * i + 1] = HEX[digest[i] & 15];
    }
    return new String(hex);
  }

  /** One {@code v1,<base64>} entry of {@code webhook-signature}. */
  public String standardSignature(String secret, String id, long timestamp, byte[] body) {
    SecretKeySpec key = standardKeys.computeIfAbsent(secret, Signer::standardKey);
    try {
      mac.init(key);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot key HmacSHA256", e);
    }
    mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
    mac.update(body);
    return "v1," + Base64.getEncoder().encodeToString(mac.doFinal());
  }

  private byte[] hmac(SecretKeySpec key, byte[] body) {
    try {
      mac.init(key);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot key HmacSHA256", e);
    }
    return mac.doFinal(body);
  }

  private static SecretKeySpec ouvitelKey(String secret) {
    return new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
  }

  private static SecretKeySpec standardKey(String secret) {
    String encoded = secret.startsWith("whsec_") ? secret.substring(6) : secret;
    return new SecretKeySpec(Base64.getDecoder().decode(encoded), "HmacSHA256");
  }

  private static <V> Map<String, V> lru() {
    return new LinkedHashMap<>(64, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > CACHED_KEYS;
      }
    };
  }
}
