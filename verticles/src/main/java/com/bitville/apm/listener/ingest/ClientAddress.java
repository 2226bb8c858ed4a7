package com.bitville.apm.listener.ingest;

import com.bitville.apm.listener.config.Cidr;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;

/**
 * The address a request really comes from: the peer, unless the peer is a configured proxy, in which case
 * X-Forwarded-For is walked from the right past every trusted proxy. Never trusted from anyone else.
 */
final class ClientAddress {

  private ClientAddress() {
  }

  static String of(HttpServerRequest request, List<Cidr> trustedProxies) {
    String peer = request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
    if (trustedProxies.isEmpty() || !Cidr.anyContains(trustedProxies, peer)) {
      return peer;
    }
    String forwarded = request.getHeader("X-Forwarded-For");
    if (forwarded == null || forwarded.isBlank()) {
      return peer;
    }
    String[] hops = forwarded.split(",");
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].trim();
      if (!Cidr.anyContains(trustedProxies, hop)) {
        return hop.isEmpty() ? peer : hop;
      }
    }
    return hops[0].trim();
  }
}
