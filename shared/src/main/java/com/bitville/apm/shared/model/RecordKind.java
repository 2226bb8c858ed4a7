package com.bitville.apm.shared.model;

/** Which agent family a stored record came from. */
public enum RecordKind {
  PHP("php"),
  POSTGRES("postgres");

  private final String wireName;

  RecordKind(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static RecordKind fromWireName(String name) {
    for (RecordKind kind : values()) {
      if (kind.wireName.equals(name)) {
        return kind;
      }
    }
    throw new IllegalArgumentException("unknown record kind: " + name);
  }
}
