package com.bitville.apm.listener.tools.simulate;

import io.vertx.core.Vertx;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code scripts/simulate}: generates a scenario (hours of event time ending now, injected incidents) and sends it
 * to a running listener through its ingest endpoints; writes the manifest (incidents and their true culprits,
 * quiet periods) as JSON.
 */
public final class Simulate {

  private Simulate() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      System.err.println("usage: Simulate HOST:PORT KEY CERT_PEM MANIFEST_OUT [HOURS=4] [SEED=1] [SCALE=1] "
          + "[INCIDENTS=all|none|kind,kind...]");
      System.exit(2);
    }
    String[] hostPort = args[0].split(":");
    String key = args[1];
    Path certificate = Path.of(args[2]);
    Path manifest = Path.of(args[3]);
    double hours = args.length > 4 ? Double.parseDouble(args[4]) : 4;
    long seed = args.length > 5 ? Long.parseLong(args[5]) : 1;
    double scale = args.length > 6 ? Double.parseDouble(args[6]) : 1;
    List<Incident.Kind> kinds = kinds(args.length > 7 ? args[7] : "all");
    Scenario scenario = Scenario.plan(seed, "shop", hours, System.currentTimeMillis() - 2 * Scenario.MINUTE_MS,
        scale, kinds);
    Vertx vertx = Vertx.vertx();
    try {
      WebClient client = WebClient.create(vertx, new WebClientOptions().setSsl(true).setVerifyHost(false)
          .setTrustOptions(new PemTrustOptions().addCertPath(certificate.toString()))
          .setDefaultHost(hostPort[0]).setDefaultPort(Integer.parseInt(hostPort[1])));
      long started = System.nanoTime();
      ScenarioSender.Totals totals = new ScenarioSender(client, key).send(scenario);
      Files.writeString(manifest, scenario.manifest().encodePrettily());
      System.out.printf(Locale.ROOT, "sent %d PHP payloads and %d pg-agent envelopes in %d bodies (%d retries), "
              + "%.1f h of event time in %.1f s; manifest: %s%n", totals.phpPayloads(), totals.pgEnvelopes(),
          totals.bodies(), totals.retries(), hours, (System.nanoTime() - started) / 1e9, manifest);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  static List<Incident.Kind> kinds(String spec) {
    if (spec.equals("all")) {
      return Arrays.asList(Incident.Kind.values());
    }
    List<Incident.Kind> kinds = new ArrayList<>();
    if (!spec.equals("none")) {
      for (String name : spec.split(",")) {
        kinds.add(Incident.Kind.valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_')));
      }
    }
    return kinds;
  }
}
