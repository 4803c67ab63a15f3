package com.ouvitel.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.delivery.DestinationGuard.Cidr;
import com.ouvitel.gateway.delivery.DestinationGuard.RefusedDestination;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class DestinationGuardTest {

  private final DestinationGuard strict = new DestinationGuard(false, List.of());

  @ParameterizedTest
  @ValueSource(strings = {"https://127.0.0.1/x", "https://127.1/x", "https://2130706433/x",
      "https://0x7f000001/x", "https://0177.0.0.1/x", "https://[::1]/x",
      "https://[::ffff:127.0.0.1]/x", "https://169.254.169.254/latest/meta-data",
      "https://10.1.2.3/", "https://172.16.0.1/", "https://192.168.1.1/",
      "https://100.64.0.1/", "https://0.0.0.0/", "https://224.0.0.1/", "https://[fe80::1]/",
      "https://[fd00::1]/", "https://[64:ff9b::7f00:1]/", "https://[2002:7f00:1::]/"})
  void refuses_private_and_reserved_addresses_in_any_spelling(String url) {
    RefusedDestination refused = assertThrows(RefusedDestination.class,
        () -> strict.checkUrl(url));
    assertTrue(refused.getMessage().contains("private or reserved"), refused.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://example.com/", "ftp://example.com/", "example.com",
      "https://user:pw@example.com/", "https:///path", "https://example.com/#frag"})
  void refuses_urls_of_the_wrong_form(String url) {
    assertThrows(RefusedDestination.class, () -> strict.checkUrl(url));
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://example.com:0/x", "https://example.com:99999/x",
      "https://example.com:65536/x", "https://127.1:0/x"})
  void refuses_ports_outside_1_to_65535(String url) {
    RefusedDestination refused = assertThrows(RefusedDestination.class,
        () -> strict.checkUrl(url));
    assertTrue(refused.getMessage().contains("invalid port"), refused.getMessage());
  }

  @Test
  void accepts_public_https_urls_and_keeps_path_and_query() throws Exception {
    DestinationGuard.Endpoint endpoint = strict.checkUrl("https://Hooks.Example.com/a/b?c=d");
    assertEquals("hooks.example.com", endpoint.host());
    assertEquals(443, endpoint.port());
    assertEquals("/a/b?c=d", endpoint.requestTarget());
    assertDoesNotThrow(() -> strict.checkAddress(InetAddress.getByName("93.184.216.34")));
  }

  @Test
  void allowed_ranges_and_the_http_switch_open_the_guard() throws Exception {
    DestinationGuard open = new DestinationGuard(true, List.of(Cidr.parse("127.0.0.0/8")));
    assertEquals("127.0.0.1", open.checkUrl("http://127.0.0.1:8080/x").host());
    assertThrows(RefusedDestination.class, () -> open.checkUrl("http://10.0.0.1/x"));
  }

  @Test
  void resolution_checks_every_address_of_a_name() {
    RefusedDestination refused = assertThrows(RefusedDestination.class,
        () -> strict.resolve(strict.checkUrl("https://localhost/x")));
    assertTrue(refused.getMessage().contains("private or reserved"));
  }
}
