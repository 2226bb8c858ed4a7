package com.bitville.apm.listener.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Loads the configuration in layers, later ones overriding earlier ones: the defaults built into the jar,
 * the file ({@code conf/listener.json} or the path given), then environment variables, then system
 * properties. See {@link EnvOverrides} for the names.
 */
public final class ConfigLoader {

  public static final String DEFAULTS_RESOURCE = "listener-defaults.json";

  private ConfigLoader() {
  }

  public static Future<JsonObject> load(Vertx vertx, Path configFile, Map<String, String> env) {
    ConfigRetrieverOptions options = new ConfigRetrieverOptions().setScanPeriod(-1)
        .addStore(new ConfigStoreOptions().setType("json").setConfig(defaults()));
    if (configFile != null) {
      if (!Files.isRegularFile(configFile)) {
        return Future.failedFuture(new ConfigException("configuration file " + configFile + " does not exist"));
      }
      options.addStore(new ConfigStoreOptions().setType("file").setFormat("json")
          .setConfig(new JsonObject().put("path", configFile.toString())));
    }
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig()
        .recover(e -> Future.failedFuture(new ConfigException("cannot read configuration: " + e.getMessage())))
        .map(config -> EnvOverrides.apply(config, env, System.getProperties()))
        .onComplete(done -> retriever.close());
  }

  public static JsonObject defaults() {
    try (var in = ConfigLoader.class.getClassLoader().getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(DEFAULTS_RESOURCE + " missing from the classpath");
      }
      return new JsonObject(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot read " + DEFAULTS_RESOURCE, e);
    }
  }
}
