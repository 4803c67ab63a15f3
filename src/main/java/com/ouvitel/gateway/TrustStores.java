package com.ouvitel.gateway;

import io.vertx.core.net.TrustOptions;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** The JVM's default certificate authorities plus the ones of an operator's PEM file. */
final class TrustStores {

  private TrustStores() {
  }

  static TrustOptions withExtraCa(Path pemFile) {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      TrustManagerFactory defaults =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      defaults.init((KeyStore) null);
      int index = 0;
      for (TrustManager manager : defaults.getTrustManagers()) {
        if (manager instanceof X509TrustManager) {
          for (X509Certificate ca : ((X509TrustManager) manager).getAcceptedIssuers()) {
            store.setCertificateEntry("default-" + index++, ca);
          }
        }
      }
      try (InputStream in = Files.newInputStream(pemFile)) {
        for (Certificate ca : CertificateFactory.getInstance("X.509")
            .generateCertificates(in)) {
          store.setCertificateEntry("extra-" + index++, ca);
        }
      }
      TrustManagerFactory combined =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      combined.init(store);
      return TrustOptions.wrap(combined);
    } catch (Exception e) {
      throw new IllegalArgumentException(
          "cannot read the CA file of GATEWAY_TRUSTED_CA_FILE (" + pemFile + "): "
              + e.getMessage(), e);
    }
  }
}
