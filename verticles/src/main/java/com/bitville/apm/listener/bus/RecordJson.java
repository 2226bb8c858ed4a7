package com.bitville.apm.listener.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON form of the records a typed service exchanges, used only when a message crosses the cluster (inside
 * one JVM records travel as they are). Supported component types: strings, boxed and primitive numbers and
 * booleans, {@code byte[]}, enums, {@code JsonObject}, {@code JsonArray}, nested records and {@code List}s of
 * any of these.
 */
final class RecordJson {

  private RecordJson() {
  }

  static JsonObject toJson(Record record) {
    JsonObject json = new JsonObject();
    for (RecordComponent component : record.getClass().getRecordComponents()) {
      json.put(component.getName(), toJsonValue(read(component, record)));
    }
    return json;
  }

  static <R extends Record> R fromJson(Class<R> type, JsonObject json) {
    RecordComponent[] components = type.getRecordComponents();
    Class<?>[] types = new Class<?>[components.length];
    Object[] values = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      types[i] = components[i].getType();
      values[i] = fromJsonValue(components[i].getGenericType(), json.getValue(components[i].getName()));
    }
    try {
      Constructor<R> constructor = type.getDeclaredConstructor(types);
      constructor.setAccessible(true);
      return constructor.newInstance(values);
    } catch (InvocationTargetException e) {
      throw new IllegalArgumentException("invalid " + type.getSimpleName(), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot build " + type.getName(), e);
    }
  }

  private static Object read(RecordComponent component, Record record) {
    try {
      var accessor = component.getAccessor();
      accessor.setAccessible(true);
      return accessor.invoke(record);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read " + component, e);
    }
  }

  private static Object toJsonValue(Object value) {
    if (value instanceof Record nested) {
      return toJson(nested);
    }
    if (value instanceof List<?> list) {
      JsonArray array = new JsonArray(new ArrayList<>(list.size()));
      list.forEach(item -> array.add(toJsonValue(item)));
      return array;
    }
    if (value instanceof Enum<?> constant) {
      return constant.name();
    }
    return value;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Object fromJsonValue(Type type, Object value) {
    Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
    if (value == null) {
      return raw.isPrimitive() ? primitiveZero(raw) : null;
    }
    if (raw.isRecord()) {
      return fromJson((Class<? extends Record>) raw, (JsonObject) value);
    }
    if (raw == List.class) {
      Type item = ((ParameterizedType) type).getActualTypeArguments()[0];
      JsonArray array = (JsonArray) value;
      List<Object> list = new ArrayList<>(array.size());
      for (int i = 0; i < array.size(); i++) {
        list.add(fromJsonValue(item, array.getValue(i)));
      }
      return list;
    }
    if (raw.isEnum()) {
      return Enum.valueOf((Class<? extends Enum>) raw, (String) value);
    }
    if (raw == byte[].class) {
      // decoded the way JsonObject encoded it (its own Base64 variant)
      return value instanceof byte[] bytes ? bytes : new JsonObject().put("b", value).getBinary("b");
    }
    return number(raw, value);
  }

  private static Object number(Class<?> raw, Object value) {
    if (!(value instanceof Number n)) {
      return value;
    }
    if (raw == long.class || raw == Long.class) {
      return n.longValue();
    }
    if (raw == int.class || raw == Integer.class) {
      return n.intValue();
    }
    if (raw == double.class || raw == Double.class) {
      return n.doubleValue();
    }
    return value;
  }

  private static Object primitiveZero(Class<?> raw) {
    if (raw == boolean.class) {
      return false;
    }
    if (raw == long.class) {
      return 0L;
    }
    if (raw == int.class) {
      return 0;
    }
    return 0.0;
  }
}
