package com.bitville.apm.listener.query;

import com.bitville.apm.listener.config.UserSettings;
import com.bitville.apm.shared.bus.Addresses;
import com.bitville.apm.shared.bus.StoredEvent;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The live view's feed. One query-server instance per node (elected through a node-local map) republishes the
 * PHP requests of every {@code RECORDS_STORED} event, node-locally, on {@code LIVE_REQUESTS_PREFIX + project}.
 * The SockJS bridge is outbound only and lets a browser register only on the live addresses of projects its
 * logged-in user may see; every delivered message is checked again against the session.
 */
final class LiveFeed {

  private static final String ELECTION_MAP = "bitville.query.live";
  private static final String FEEDER_KEY = "feeder";
  private static final Pattern ADDRESS = Pattern.compile(Pattern.quote(Addresses.LIVE_REQUESTS_PREFIX) + "[a-z0-9][a-z0-9_.\\-]{0,63}");

  private final Vertx vertx;
  private final Auth auth;
  private final int maxPerSecond;
  private final String instanceId;
  private MessageConsumer<JsonObject> consumer;
  private final Map<String, Integer> sentThisSecond = new HashMap<>();
  private long currentSecond;

  LiveFeed(Vertx vertx, Auth auth, int maxPerSecond, String instanceId) {
    this.vertx = vertx;
    this.auth = auth;
    this.maxPerSecond = maxPerSecond;
    this.instanceId = instanceId;
  }

  /** Starts republishing when no other instance on this node does. */
  void startFeeder() {
    var map = vertx.sharedData().<String, String>getLocalMap(ELECTION_MAP);
    if (map.putIfAbsent(FEEDER_KEY, instanceId) != null) {
      return;
    }
    consumer = vertx.eventBus().consumer(Addresses.RECORDS_STORED, message -> republish(message.body()));
  }

  void stopFeeder() {
    if (consumer != null) {
      consumer.unregister();
      vertx.sharedData().<String, String>getLocalMap(ELECTION_MAP).remove(FEEDER_KEY, instanceId);
    }
  }

  private void republish(JsonObject body) {
    StoredEvent event;
    try {
      event = StoredEvent.fromJson(body);
    } catch (RuntimeException e) {
      return;
    }
    DeliveryOptions local = new DeliveryOptions().setLocalOnly(true);
    for (JsonObject record : event.records()) {
      String project = record.getString("project");
      if ("php".equals(record.getString("kind")) && project != null && withinRate(project)) {
        vertx.eventBus().publish(Addresses.LIVE_REQUESTS_PREFIX + project, liveItem(record), local);
      }
    }
  }

  /** Bounded per project and second: a flood of slow requests must not flood every open browser. */
  private boolean withinRate(String project) {
    long second = System.currentTimeMillis() / 1000;
    if (second != currentSecond) {
      currentSecond = second;
      sentThisSecond.clear();
    }
    return sentThisSecond.merge(project, 1, Integer::sum) <= maxPerSecond;
  }

  private static JsonObject liveItem(JsonObject record) {
    JsonObject item = new JsonObject();
    for (String key : new String[] {"id", "project", "correlation_id", "event_time_ms", "duration_ms", "route",
        "method", "status", "host", "sql_count", "fatal"}) {
      item.put(key, record.getValue(key));
    }
    return item;
  }

  Router bridge() {
    SockJSBridgeOptions options = new SockJSBridgeOptions()
        .addOutboundPermitted(new PermittedOptions().setAddressRegex(ADDRESS.pattern()))
        .setPingTimeout(60_000);
    // no sticky-session cookie, and no JSONP / htmlfile transports (script-callback transports the UI never uses)
    SockJSHandlerOptions sockJs = new SockJSHandlerOptions().setRegisterWriteHandler(false).setInsertJSESSIONID(false)
        .addDisabledTransport("JSON_P").addDisabledTransport("HTML_FILE");
    return SockJSHandler.create(vertx, sockJs).bridge(options, this::onBridgeEvent);
  }

  private void onBridgeEvent(BridgeEvent event) {
    UserSettings user = auth.user(event.socket().webSession());
    BridgeEventType type = event.type();
    boolean allowed = switch (type) {
      case SOCKET_CREATED -> user != null && sameOrigin(event);
      case REGISTER, RECEIVE -> user != null && visible(user, event.getRawMessage());
      case REGISTERED -> confirmRegistration(event);
      case SOCKET_CLOSED, SOCKET_IDLE, SOCKET_PING, UNREGISTER, SOCKET_ERROR -> true;
      default -> false;
    };
    event.complete(allowed);
  }

  /**
   * Tells the client that its registration is in effect (the bridge itself never acknowledges one): from this
   * frame on it receives every record stored, so records it missed while disconnected can be read from storage
   * ({@code GET /api/live/missed}) without a hole between that read and the feed.
   */
  private static boolean confirmRegistration(BridgeEvent event) {
    JsonObject raw = event.getRawMessage();
    String address = raw == null ? null : raw.getString("address");
    if (address != null && ADDRESS.matcher(address).matches()) {
      event.socket().write(new JsonObject().put("type", "registered").put("address", address).encode());
    }
    return true;
  }

  private boolean visible(UserSettings user, JsonObject raw) {
    String address = raw == null ? null : raw.getString("address");
    if (address == null || !ADDRESS.matcher(address).matches()) {
      return false;
    }
    return auth.projectsOf(user).contains(address.substring(Addresses.LIVE_REQUESTS_PREFIX.length()));
  }

  private static boolean sameOrigin(BridgeEvent event) {
    String origin = event.socket().headers().get("Origin");
    String host = event.socket().headers().get("Host");
    return origin == null || host != null && (origin.equalsIgnoreCase("https://" + host)
        || origin.equalsIgnoreCase("http://" + host));
  }
}
