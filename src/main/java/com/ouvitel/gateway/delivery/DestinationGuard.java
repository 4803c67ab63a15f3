package com.ouvitel.gateway.delivery;

import com.ouvitel.gateway.config.GatewayConfig;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Keeps deliveries away from our own network: webhook URLs must be https (http only with the
 * development switch), and every address an endpoint name resolves to must be public.
 * Loopback, private, link-local (the cloud metadata address included), carrier-grade NAT,
 * multicast, unspecified and reserved ranges are refused unless an operator allowed them.
 * Checked when a webhook is saved and again before every connection, since DNS can change.
 */
public final class DestinationGuard {

  private static final List<Cidr> BLOCKED = List.of(
      Cidr.parse("0.0.0.0/8"), Cidr.parse("10.0.0.0/8"), Cidr.parse("100.64.0.0/10"),
      Cidr.parse("127.0.0.0/8"), Cidr.parse("169.254.0.0/16"), Cidr.parse("172.16.0.0/12"),
      Cidr.parse("192.0.0.0/24"), Cidr.parse("192.0.2.0/24"), Cidr.parse("192.168.0.0/16"),
      Cidr.parse("198.18.0.0/15"), Cidr.parse("198.51.100.0/24"),
      Cidr.parse("203.0.113.0/24"), Cidr.parse("224.0.0.0/4"), Cidr.parse("240.0.0.0/4"),
      Cidr.parse("::/128"), Cidr.parse("::1/128"), Cidr.parse("fc00::/7"),
      Cidr.parse("fe80::/10"), Cidr.parse("ff00::/8"), Cidr.parse("100::/64"),
      Cidr.parse("2001:db8::/32"));

  /** How long the dispatcher may reuse a checked resolution of the system resolver. */
  private static final Duration SYSTEM_RESOLUTION_REUSE = Duration.ofSeconds(30);

  /** Turns a host name into its addresses; blocking. */
  @FunctionalInterface
  public interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  private final boolean allowHttp;
  private final List<Cidr> allowed;
  private final Resolver resolver;
  private final Duration resolutionReuse;

  public DestinationGuard(boolean allowHttp, List<Cidr> allowed) {
    this(allowHttp, allowed, InetAddress::getAllByName, SYSTEM_RESOLUTION_REUSE);
  }

  private DestinationGuard(boolean allowHttp, List<Cidr> allowed, Resolver resolver,
      Duration resolutionReuse) {
    this.allowHttp = allowHttp;
    this.allowed = List.copyOf(allowed);
    this.resolver = resolver;
    this.resolutionReuse = resolutionReuse;
  }

  /**
   * This guard with another resolver whose answers are reused for that long (tests give a
   * resolver whose answers change, and zero).
   */
  public DestinationGuard withResolver(Resolver other, Duration reuse) {
    return new DestinationGuard(allowHttp, allowed, other, reuse);
  }

  /** How long a checked resolution may serve further connections to the same host. */
  public Duration resolutionReuse() {
    return resolutionReuse;
  }

  public static DestinationGuard from(GatewayConfig config) {
    List<Cidr> allowed = new ArrayList<>();
    for (String range : config.string("allowed_cidrs").split(",")) {
      if (!range.isBlank()) {
        allowed.add(Cidr.parse(range.trim()));
      }
    }
    return new DestinationGuard(config.bool("allow_http_endpoints"), allowed);
  }

  /** A webhook URL as the gateway will call it; built only through {@link #checkUrl}. */
  public record Endpoint(URI uri, String host, int port, boolean https, String origin) {

    /** Path and query as sent in the request line. */
    public String requestTarget() {
      String path = uri.getRawPath() == null || uri.getRawPath().isEmpty()
          ? "/" : uri.getRawPath();
      return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    }
  }

  /** Thrown with a message fit to show the customer. */
  public static class RefusedDestination extends Exception {
    public RefusedDestination(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * A host name that does not resolve: refused when a webhook is saved, but at delivery time
   * a connection error (DNS may be down for a moment), retried like one.
   */
  public static final class UnresolvedHost extends RefusedDestination {
    public UnresolvedHost(String message) {
      super(message);
    }
  }

  /** Checks the form of a URL; no name resolution. */
  public Endpoint checkUrl(String url) throws RefusedDestination {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new RefusedDestination("url is not a valid URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !(allowHttp && scheme.equals("http"))) {
      throw new RefusedDestination("url must start with https://");
    }
    if (uri.getRawUserInfo() != null) {
      throw new RefusedDestination("url must not carry a user name or password");
    }
    if (uri.getRawFragment() != null) {
      throw new RefusedDestination("url must not have a #fragment");
    }
    boolean https = scheme.equals("https");
    String host = uri.getHost();
    int port = uri.getPort();
    if (host == null && uri.getRawAuthority() != null) {
      // java.net.URI leaves hosts like 127.1 unparsed; resolvers still accept them.
      String authority = uri.getRawAuthority();
      int colon = authority.lastIndexOf(':');
      host = colon < 0 ? authority : authority.substring(0, colon);
      port = colon < 0 ? -1 : parsePort(authority.substring(colon + 1));
    }
    if (host == null || host.isEmpty()) {
      throw new RefusedDestination("url must name a host");
    }
    host = host.toLowerCase(Locale.ROOT);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (port == 0 || port > 65535) {
      throw new RefusedDestination("url has an invalid port: " + port + " (1 to 65535)");
    }
    port = port == -1 ? (https ? 443 : 80) : port;
    InetAddress literal = literalAddress(host);
    if (literal != null) {
      checkAddress(literal);
      host = literal.getHostAddress();
    }
    return new Endpoint(uri, host, port, https, scheme + "://" + host + ":" + port);
  }

  /** Resolves the endpoint's host (blocking) and returns its allowed addresses. */
  public List<InetAddress> resolve(Endpoint endpoint) throws RefusedDestination {
    InetAddress[] addresses;
    try {
      InetAddress literal = literalAddress(endpoint.host());
      addresses = literal != null ? new InetAddress[] {literal}
          : resolver.resolve(endpoint.host());
    } catch (UnknownHostException e) {
      throw new UnresolvedHost("host " + endpoint.host() + " does not resolve");
    }
    if (addresses == null || addresses.length == 0) {
      throw new UnresolvedHost("host " + endpoint.host() + " does not resolve");
    }
    List<InetAddress> checked = new ArrayList<>();
    for (InetAddress address : addresses) {
      checkAddress(address);
      checked.add(address);
    }
    return checked;
  }

  /** Refuses an address in a blocked range that no allowed range covers. */
  public void checkAddress(InetAddress address) throws RefusedDestination {
    InetAddress effective = embeddedIpv4(address);
    for (Cidr cidr : allowed) {
      if (cidr.contains(effective)) {
        return;
      }
    }
    for (Cidr cidr : BLOCKED) {
      if (cidr.contains(effective)) {
        throw new RefusedDestination("destination address " + effective.getHostAddress()
            + " is in a private or reserved range");
      }
    }
  }

  /**
   * The IPv4 address hidden in an IPv4-mapped, IPv4-compatible, NAT64 or 6to4 IPv6 address,
   * which would otherwise slip past the IPv4 ranges.
   */
  static InetAddress embeddedIpv4(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return address;
    }
    byte[] b = address.getAddress();
    byte[] v4 = null;
    boolean zeroPrefix = true;
    for (int i = 0; i < 10; i++) {
      zeroPrefix &= b[i] == 0;
    }
    if (zeroPrefix && ((b[10] == (byte) 0xff && b[11] == (byte) 0xff)
        || (b[10] == 0 && b[11] == 0 && (b[12] | b[13]) != 0))) {
      v4 = new byte[] {b[12], b[13], b[14], b[15]};
    } else if (b[0] == 0 && b[1] == 0x64 && b[2] == (byte) 0xff && b[3] == (byte) 0x9b) {
      v4 = new byte[] {b[12], b[13], b[14], b[15]};
    } else if (b[0] == 0x20 && b[1] == 0x02) {
      v4 = new byte[] {b[2], b[3], b[4], b[5]};
    }
    if (v4 == null) {
      return address;
    }
    try {
      return InetAddress.getByAddress(v4);
    } catch (UnknownHostException e) {
      return address;
    }
  }

  /**
   * A host written as an address, in any spelling a resolver would accept: dotted quads,
   * shortened forms like {@code 127.1}, one decimal number, hex and octal parts, or IPv6.
   * Null for a name.
   */
  static InetAddress literalAddress(String host) throws RefusedDestination {
    try {
      if (host.indexOf(':') >= 0) {
        return InetAddress.getByName("[" + host + "]");
      }
      if (!host.matches("[0-9a-fA-FxX.]+") || !Character.isDigit(host.charAt(0))) {
        return null;
      }
      String[] parts = host.split("\\.", -1);
      if (parts.length > 4) {
        return null;
      }
      long[] values = new long[parts.length];
      for (int i = 0; i < parts.length; i++) {
        values[i] = parsePart(parts[i]);
        if (values[i] < 0) {
          return null;
        }
      }
      long address = 0;
      for (int i = 0; i < parts.length - 1; i++) {
        if (values[i] > 255) {
          throw new RefusedDestination("url host " + host + " is not a valid address");
        }
        address |= values[i] << (8 * (3 - i));
      }
      long last = values[parts.length - 1];
      if (last >= 1L << (8 * (5 - parts.length))) {
        throw new RefusedDestination("url host " + host + " is not a valid address");
      }
      address |= last;
      return InetAddress.getByAddress(new byte[] {
          (byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8),
          (byte) address});
    } catch (UnknownHostException e) {
      throw new RefusedDestination("url host " + host + " is not a valid address");
    }
  }

  private static int parsePort(String text) throws RefusedDestination {
    try {
      int port = Integer.parseInt(text);
      if (port > 0 && port < 65536) {
        return port;
      }
    } catch (NumberFormatException ignored) {
      // Reported below.
    }
    throw new RefusedDestination("url has an invalid port");
  }

  private static long parsePart(String part) {
    try {
      if (part.isEmpty()) {
        return -1;
      }
      if (part.startsWith("0x") || part.startsWith("0X")) {
        return part.length() == 2 ? 0 : Long.parseLong(part.substring(2), 16);
      }
      if (part.length() > 1 && part.startsWith("0")) {
        return Long.parseLong(part.substring(1), 8);
      }
      return Long.parseLong(part);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** A range of addresses, IPv4 or IPv6. */
  public record Cidr(byte[] network, int prefix) {

    public static Cidr parse(String text) {
      int slash = text.indexOf('/');
      try {
        InetAddress address = InetAddress.getByName(
            slash < 0 ? text : text.substring(0, slash));
        byte[] bytes = address.getAddress();
        int prefix = slash < 0 ? bytes.length * 8 : Integer.parseInt(text.substring(slash + 1));
        if (prefix < 0 || prefix > bytes.length * 8) {
          throw new IllegalArgumentException("bad prefix length in " + text);
        }
        return new Cidr(bytes, prefix);
      } catch (UnknownHostException | NumberFormatException e) {
        throw new IllegalArgumentException("not a CIDR range: " + text);
      }
    }

    public boolean contains(InetAddress address) {
      byte[] bytes = address.getAddress();
      if (bytes.length != network.length
          || (address instanceof Inet4Address) != (network.length == 4)) {
        return false;
      }
      for (int bit = 0; bit < prefix; bit++) {
        int mask = 0x80 >>> (bit % 8);
        if ((bytes[bit / 8] & mask) != (network[bit / 8] & mask)) {
          return false;
        }
      }
      return true;
    }
  }
}
