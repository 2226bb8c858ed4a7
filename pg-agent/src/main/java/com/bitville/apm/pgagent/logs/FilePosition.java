package com.bitville.apm.pgagent.logs;

import io.vertx.core.json.JsonObject;

/**
 * Where reading of one log stream stands: the file (by path and by identity, which survives renames), the next
 * offset, and the first bytes of the file so a copytruncate that was refilled past our offset is still noticed.
 */
public record FilePosition(String path, String fileKey, long offset, String head) {

  public JsonObject toJson() {
    return new JsonObject().put("path", path).put("file_key", fileKey).put("offset", offset).put("head", head);
  }

  public static FilePosition fromJson(JsonObject json) {
    return json == null ? null : new FilePosition(json.getString("path"), json.getString("file_key"),
        json.getLong("offset", 0L), json.getString("head", ""));
  }

  public FilePosition at(long newOffset) {
    return new FilePosition(path, fileKey, newOffset, head);
  }
}
