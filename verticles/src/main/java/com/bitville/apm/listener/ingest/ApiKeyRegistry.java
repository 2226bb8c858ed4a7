package com.bitville.apm.listener.ingest;

import com.bitville.apm.listener.config.ApiKeyHash;
import com.bitville.apm.listener.config.ProjectSettings;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Resolves a presented API key to its project. The key is hashed and compared with every known hash using
 * a constant-time comparison, without stopping at the first match, so timing reveals neither the key nor
 * which project it belongs to.
 */
public final class ApiKeyRegistry {

  private record Entry(byte[] hash, ProjectSettings project, String keyId) {
  }

  /** The project a key belongs to, and a stable, non-secret id of the key itself (for per-key limits). */
  public record Match(ProjectSettings project, String keyId) {
  }

  private final List<Entry> entries = new ArrayList<>();

  public ApiKeyRegistry(Map<String, ProjectSettings> projects) {
    projects.values().forEach(project -> project.keyHashes().forEach(hash ->
        entries.add(new Entry(hash, project, project.name() + "#" + entries.size()))));
  }

  public int size() {
    return entries.size();
  }

  public Optional<Match> match(String presentedKey) {
    if (presentedKey == null || presentedKey.isEmpty() || presentedKey.length() > 512) {
      return Optional.empty();
    }
    byte[] presented = ApiKeyHash.of(presentedKey);
    Match match = null;
    for (Entry entry : entries) {
      if (MessageDigest.isEqual(presented, entry.hash()) && match == null) {
        match = new Match(entry.project(), entry.keyId());
      }
    }
    return Optional.ofNullable(match);
  }

  /** The key of an {@code Authorization: Bearer <key>} header, or null. */
  public static String bearerToken(String authorization) {
    if (authorization == null) {
      return null;
    }
    String trimmed = authorization.trim();
    if (trimmed.length() < 7 || !trimmed.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = trimmed.substring(7).trim();
    return token.isEmpty() ? null : token;
  }
}
