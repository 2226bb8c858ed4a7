package com.bitville.apm.pgagent.logs;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Persists log positions per format, written atomically (temp file + rename) so a crash never leaves half a file. */
public final class OffsetStore {

  private static final Logger LOG = LoggerFactory.getLogger(OffsetStore.class);

  private final Path file;
  private final JsonObject positions;
  private String lastSaved;

  public OffsetStore(Path file) {
    this.file = file;
    this.positions = read(file);
  }

  public FilePosition get(String format) {
    return FilePosition.fromJson(positions.getJsonObject(format));
  }

  public void put(String format, FilePosition position) {
    positions.put(format, position.toJson());
  }

  /** Skips the write when nothing moved, so an idle server does not cost a file write per poll. */
  public void saveIfChanged() throws IOException {
    String current = positions.encode();
    if (!current.equals(lastSaved)) {
      save();
      lastSaved = current;
    }
  }

  public void save() throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(temp, positions.encodePrettily(), StandardCharsets.UTF_8);
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static JsonObject read(Path file) {
    if (!Files.exists(file)) {
      return new JsonObject();
    }
    try {
      return new JsonObject(Files.readString(file));
    } catch (IOException | DecodeException e) {
      LOG.warn("log offsets {} unreadable ({}); starting fresh", file, e.getMessage());
      return new JsonObject();
    }
  }
}
