package com.bitville.apm.listener.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * People who may log in to the UI/API: {@code "users": {"alice": {"passwordHash": "$2a$12$...", "projects":
 * ["shop"]}}}; {@code "projects": "*"} gives every project (an administrator). Only bcrypt hashes are accepted
 * ({@code scripts/hash-password} prints one), so a plain password in the file is refused at start.
 */
public record UserSettings(String name, String passwordHash, boolean allProjects, Set<String> projects) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.@\\-]{0,63}");
  private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}");

  public static Map<String, UserSettings> from(JsonObject config) {
    ConfigReader users = new ConfigReader(config, "users");
    Map<String, UserSettings> result = new LinkedHashMap<>();
    for (String name : users.raw().fieldNames()) {
      if (!NAME.matcher(name).matches()) {
        throw new ConfigException("users." + name + ": user names must match " + NAME.pattern());
      }
      result.put(name.toLowerCase(Locale.ROOT), user(name.toLowerCase(Locale.ROOT), users.child(name)));
    }
    return result;
  }

  private static UserSettings user(String name, ConfigReader user) {
    String hash = user.string("passwordHash", "");
    if (!BCRYPT.matcher(hash).matches()) {
      throw new ConfigException(user.key("passwordHash") + " must be a bcrypt hash ($2a$/$2b$/$2y$, cost 4-31);"
          + " create one with scripts/hash-password");
    }
    Object projects = user.raw().getValue("projects");
    if ("*".equals(projects)) {
      return new UserSettings(name, hash, true, Set.of());
    }
    if (projects instanceof JsonArray array && array.contains("*")) {
      return new UserSettings(name, hash, true, Set.of());
    }
    if (projects == null) {
      throw new ConfigException(user.key("projects") + " is required: a list of project names, or \"*\" for all");
    }
    Set<String> names = new LinkedHashSet<>();
    for (String project : user.strings("projects")) {
      names.add(project.toLowerCase(Locale.ROOT));
    }
    return new UserSettings(name, hash, false, Set.copyOf(names));
  }

  public boolean maySee(String project) {
    return allProjects || projects.contains(project);
  }
}
