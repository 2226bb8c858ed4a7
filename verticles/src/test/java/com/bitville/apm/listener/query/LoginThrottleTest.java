package com.bitville.apm.listener.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Login throttling slows a guesser down without locking the real user out")
class LoginThrottleTest {

  private static TestListener listener;
  private static Vertx vertx;
  private static WebClient user;
  private static WebClient attacker;

  @BeforeAll
  static void start() throws Exception {
    listener = TestListener.start();
    vertx = Vertx.vertx();
    user = client("127.0.0.1");
    attacker = client("127.0.0.2");
  }

  @AfterAll
  static void stop() throws Exception {
    Await.result(vertx.close());
    listener.close();
  }

  private static WebClient client(String localAddress) {
    return WebClient.create(vertx, new WebClientOptions().setSsl(true).setVerifyHost(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(listener.certificate().toString()))
        .setDefaultHost("localhost").setDefaultPort(listener.queryPort()).setLocalAddress(localAddress));
  }

  @Test
  @DisplayName("Ten wrong passwords for a user from one address: that address is delayed, the user logs in from hers")
  void guesserDoesNotLockOutTheUser() throws Exception {
    List<Integer> statuses = new ArrayList<>();
    HttpResponse<Buffer> last = null;
    for (int i = 0; i < 10; i++) {
      last = ApiSession.login(attacker, TestListener.SHOP_USER, "guess number " + i);
      statuses.add(last.statusCode());
    }
    assertEquals(429, last.statusCode(), "the guesser is slowed down: " + statuses);
    assertNotNull(last.getHeader("Retry-After"));
    HttpResponse<Buffer> correctFromAttacker = ApiSession.login(attacker, TestListener.SHOP_USER,
        TestListener.USER_PASSWORD);
    assertEquals(429, correctFromAttacker.statusCode(), "while delayed, even a right guess is not checked");

    HttpResponse<Buffer> real = ApiSession.login(user, TestListener.SHOP_USER, TestListener.USER_PASSWORD);
    assertEquals(200, real.statusCode(), "the real user, from her usual address: " + real.bodyAsString());
  }

  @Test
  @DisplayName("The delay grows with every further failure from the same address")
  void delayGrows() throws Exception {
    String target = TestListener.OTHER_USER;
    long firstDelay = 0;
    long laterDelay = 0;
    for (int i = 0; i < 30 && laterDelay == 0; i++) {
      HttpResponse<Buffer> response = ApiSession.login(attacker, target, "guess " + i);
      if (response.statusCode() == 429) {
        long delay = Long.parseLong(response.getHeader("Retry-After"));
        if (firstDelay == 0) {
          firstDelay = delay;
          Thread.sleep(delay * 1000 + 200);
        } else if (delay > firstDelay) {
          laterDelay = delay;
        } else {
          Thread.sleep(delay * 1000 + 200);
        }
      } else {
        assertEquals(401, response.statusCode());
      }
    }
    assertTrue(firstDelay >= 1, "delayed at all");
    assertTrue(laterDelay > firstDelay, "the delay grew: " + firstDelay + " then " + laterDelay);
  }

  @Test
  @DisplayName("Unknown users are checked against a hash as costly as the configured users' hashes")
  void unknownUserCostsTheSame() {
    assertEquals(4, Passwords.costOf(listener.config().getJsonObject("users").getJsonObject(TestListener.SHOP_USER)
        .getString("passwordHash")));
    assertEquals(12, Passwords.costOf(Passwords.dummyHash(12)));
    assertEquals(10, Passwords.costOf(Passwords.dummyHash(10)));
    assertEquals(12, Auth.dummyCost(java.util.Map.of()), "no users: the default cost");
    assertEquals(4, Auth.dummyCost(com.bitville.apm.listener.config.UserSettings.from(listener.config())),
        "the users' cost");
  }
}
