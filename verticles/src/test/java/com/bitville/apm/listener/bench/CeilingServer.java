package com.bitville.apm.listener.bench;

import com.bitville.apm.listener.support.ServerTls;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;

/**
 * The ceiling for the ingest benchmark: a trivial HTTPS endpoint with the same TLS setup as the listener's
 * ingest ({@link ServerTls}: protocols, cipher suites, TLS engine) and the same number of event loops, that
 * reads each body whole and discards it.
 * Usage: CeilingServer PORT KEYSTORE.p12 PASSWORD INSTANCES
 */
public final class CeilingServer extends VerticleBase {

  private final int port;
  private final String keystore;
  private final String password;

  private CeilingServer(int port, String keystore, String password) {
    this.port = port;
    this.keystore = keystore;
    this.password = password;
  }

  @Override
  public Future<?> start() {
    HttpServerOptions options = ServerTls.apply(new HttpServerOptions(), new JsonObject().put("tls",
        new JsonObject().put("generatedKeystore", keystore).put("generatedKeystorePassword", password)));
    return vertx.createHttpServer(options)
        .requestHandler(request -> request.body().onSuccess(body -> request.response()
            .putHeader("Content-Type", "application/json").end("{\"accepted\":1,\"ids\":[0]}")))
        .listen(port, "127.0.0.1");
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    Vertx vertx = Vertx.vertx();
    vertx.deployVerticle(() -> new CeilingServer(port, args[1], args[2]),
            new DeploymentOptions().setInstances(Integer.parseInt(args[3])))
        .toCompletionStage().toCompletableFuture().get();
    System.out.println("ceiling server is ready");
  }
}
