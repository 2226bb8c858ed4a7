package com.bitville.apm.shared.model;

import io.vertx.core.json.JsonObject;

/** One XHProf edge ("parent==>child" or a root such as "main()") of a PHP request, in readable form. */
public record FunctionCall(String name, long calls, long wallUs) {

  public JsonObject toJson() {
    return new JsonObject().put("name", name).put("calls", calls).put("wall_us", wallUs);
  }
}
