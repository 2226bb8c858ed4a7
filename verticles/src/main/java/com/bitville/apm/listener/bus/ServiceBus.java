package com.bitville.apm.listener.bus;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.MessageConsumerOptions;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Typed services over the event bus. A service is an interface annotated with {@link ServiceAddress} whose
 * abstract methods take at most one argument and return a {@code Future}; arguments and results are records
 * (or {@code null}, or a type the event bus carries by itself). {@link #client} gives the callers an
 * implementation that sends each call to the address, {@link #bind} serves an implementation there. The event
 * bus stays the only transport, so a service works the same in one JVM and across a cluster.
 *
 * <p>Hand-written rather than vertx-service-proxy: its generated proxies accept only codegen data objects (a
 * {@code JsonObject} constructor and {@code toJson} on every type, no plain records, no {@code byte[]}) and
 * need the codegen annotation processor in the build; this class and {@link RecordCodec} are the whole
 * mechanism, and local calls pass the records without encoding them.
 */
public final class ServiceBus {

  private static final String OPERATION_HEADER = "op";

  private ServiceBus() {
  }

  /** A caller's view of {@code service}; every call fails after {@code timeoutMs} without an answer. */
  public static <S> S client(Vertx vertx, Class<S> service, long timeoutMs) {
    registerCodec(vertx);
    String address = addressOf(service);
    InvocationHandler handler = (proxy, method, args) -> {
      if (method.getDeclaringClass() == Object.class) {
        return objectMethod(service, proxy, method, args);
      }
      if (method.isDefault()) {
        return InvocationHandler.invokeDefault(proxy, method, args);
      }
      Object body = args == null || args.length == 0 ? null : args[0];
      DeliveryOptions options = deliveryOf(body).setSendTimeout(timeoutMs)
          .addHeader(OPERATION_HEADER, method.getName());
      return vertx.eventBus().request(address, body, options).map(Message::body);
    };
    return service.cast(Proxy.newProxyInstance(service.getClassLoader(), new Class<?>[] {service}, handler));
  }

  /**
   * Serves {@code implementation} on the service's address with a bounded buffer. A failed (or throwing) call is
   * answered with the code and text {@code errors} gives for its cause.
   */
  public static <S> MessageConsumer<Object> bind(Vertx vertx, Class<S> service, S implementation,
      int maxBufferedMessages, Function<Throwable, ServiceError> errors) {
    registerCodec(vertx);
    Map<String, Method> operations = operationsOf(service);
    MessageConsumerOptions options = new MessageConsumerOptions().setAddress(addressOf(service))
        .setMaxBufferedMessages(maxBufferedMessages);
    return vertx.eventBus().consumer(options, message -> {
      Method method = operations.get(message.headers().get(OPERATION_HEADER));
      Future<?> result = method == null
          ? Future.failedFuture(new IllegalArgumentException("unknown operation of " + service.getSimpleName()))
          : call(implementation, method, message.body());
      result.onComplete(done -> {
        if (done.succeeded()) {
          message.reply(done.result(), deliveryOf(done.result()));
        } else {
          ServiceError error = errors.apply(done.cause());
          message.fail(error.code(), error.message());
        }
      });
    });
  }

  public static String addressOf(Class<?> service) {
    ServiceAddress address = service.getAnnotation(ServiceAddress.class);
    if (address == null) {
      throw new IllegalArgumentException(service.getName() + " has no @ServiceAddress");
    }
    return address.value();
  }

  private static Future<?> call(Object implementation, Method method, Object body) {
    try {
      Object result = method.getParameterCount() == 0 ? method.invoke(implementation)
          : method.invoke(implementation, body);
      return (Future<?>) result;
    } catch (InvocationTargetException e) {
      return Future.failedFuture(e.getCause());
    } catch (IllegalAccessException | IllegalArgumentException e) {
      return Future.failedFuture(new IllegalArgumentException("malformed call of " + method.getName()));
    }
  }

  private static Map<String, Method> operationsOf(Class<?> service) {
    Map<String, Method> operations = new HashMap<>();
    for (Method method : service.getMethods()) {
      if (method.isDefault() || Modifier.isStatic(method.getModifiers())) {
        continue;
      }
      if (method.getParameterCount() > 1 || method.getReturnType() != Future.class
          || operations.put(method.getName(), method) != null) {
        throw new IllegalArgumentException(service.getSimpleName() + "." + method.getName()
            + ": a service operation has a unique name, at most one argument and returns a Future");
      }
    }
    return operations;
  }

  private static DeliveryOptions deliveryOf(Object body) {
    DeliveryOptions options = new DeliveryOptions();
    return body instanceof Record ? options.setCodecName(RecordCodec.NAME) : options;
  }

  private static void registerCodec(Vertx vertx) {
    try {
      vertx.eventBus().registerCodec(new RecordCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // one codec per Vert.x instance; every client and binding asks for it
    }
  }

  private static Object objectMethod(Class<?> service, Object proxy, Method method, Object[] args) {
    return switch (method.getName()) {
      case "equals" -> proxy == args[0];
      case "hashCode" -> System.identityHashCode(proxy);
      default -> service.getSimpleName() + " client";
    };
  }
}
