package com.bitville.apm.listener.storage;

import java.util.Map;

/** A group of storage operations (reads, retention, outbox...) registered by the StorageVerticle at start. */
public interface QueryModule {

  /** Operation name (see {@code QueryNames} in the shared module) to its handler. */
  Map<String, QueryHandler> handlers(Database database);
}
