package com.bitville.apm.pgagent.deliver;

import com.bitville.apm.pgagent.config.AgentConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

/** POSTs one batch body to the listener's /ingest/postgres over verified TLS and reports its answer. */
public final class ListenerClient {

  private final WebClient client;
  private final AgentConfig.Delivery config;

  public ListenerClient(Vertx vertx, AgentConfig.Delivery config) {
    this.config = config;
    this.client = WebClient.create(vertx, options(config));
  }

  public Future<ListenerAnswer> post(byte[] body) {
    var request = client.postAbs(config.url().toString())
        .timeout(config.requestTimeoutMs())
        .putHeader("Authorization", "Bearer " + config.apiKey())
        .putHeader("Content-Type", "application/x-ndjson")
        .putHeader("User-Agent", "bitville-pg-agent");
    if (config.gzip()) {
      request.putHeader("Content-Encoding", "gzip");
    }
    return request.sendBuffer(Buffer.buffer(body)).map(ListenerClient::answer);
  }

  public void close() {
    client.close();
  }

  private static ListenerAnswer answer(HttpResponse<Buffer> response) {
    Buffer body = response.body();
    String text = body == null ? "" : body.toString();
    return new ListenerAnswer(response.statusCode(),
        ListenerAnswer.parseRetryAfter(response.getHeader("Retry-After"), System.currentTimeMillis()),
        text.length() > 500 ? text.substring(0, 500) : text);
  }

  /**
   * With a pin, only that certificate is trusted and the host name is not checked (the pin identifies the listener
   * more precisely than a name). With a CA file, normal chain and host-name verification against that CA.
   */
  private static WebClientOptions options(AgentConfig.Delivery config) {
    WebClientOptions options = new WebClientOptions()
        .setSsl(true)
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.requestTimeoutMs()))
        .setKeepAlive(true)
        .setUserAgentEnabled(false);
    if (!config.pinSha256().isEmpty()) {
      options.setTrustOptions(TrustOptions.wrap(new PinnedTrustManager(config.pinSha256()))).setVerifyHost(false);
    } else if (config.caFile() != null) {
      options.setTrustOptions(new PemTrustOptions().addCertPath(config.caFile().toString()))
          .setVerifyHost(config.verifyHost());
    } else {
      options.setVerifyHost(config.verifyHost());
    }
    return options;
  }
}
