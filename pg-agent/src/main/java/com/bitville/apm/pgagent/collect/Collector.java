package com.bitville.apm.pgagent.collect;

import com.bitville.apm.shared.pg.PgEnvelope;
import io.vertx.core.Future;
import java.util.List;

/** One kind of sample. Implementations never block: database and file work return futures. */
public interface Collector {

  /** Short name used in logs, health and the benchmark, e.g. {@code sessions}. */
  String name();

  /** The wait before the next sample; may change between samples (sessions speed up while busy). */
  long intervalMs();

  /** Takes one sample; an empty list means "nothing worth sending this time". */
  Future<List<PgEnvelope>> sample();

  /** Releases resources (files, state) when the agent stops or reloads. */
  default Future<Void> stop() {
    return Future.succeededFuture();
  }
}
