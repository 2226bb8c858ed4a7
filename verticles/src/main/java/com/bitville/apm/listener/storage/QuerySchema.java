package com.bitville.apm.listener.storage;

import java.util.List;

/**
 * Schema of the query side (migrations 20-29). Sorting by duration uses the core index
 * {@code records_project_duration (project, duration_ms) WHERE kind = 'php'} (the rowid is its last column). The list and detail views read through partial indexes that
 * hold PHP rows only, so a keyset page never wades through interleaved pg-agent rows. Route statistics over
 * long windows read an hourly histogram kept by triggers, so "24 h of a busy project" costs a few thousand
 * histogram rows instead of a sort over hundreds of thousands of requests.
 */
final class QuerySchema {

  /** Upper bound of histogram bucket n is 1.1^n ms: about +-5 % resolution from 1 ms to about 3 hours. */
  static final double BUCKET_RATIO = 1.1;
  static final int BUCKETS = 170;

  static final List<String> INDEXES = List.of(
      "CREATE INDEX records_php_project_time ON records(project, event_time_ms, id) WHERE kind = 'php'",
      "CREATE INDEX records_php_time ON records(event_time_ms, id) WHERE kind = 'php'",
      """
      CREATE INDEX records_php_route_time ON records(project, route, event_time_ms, id, duration_ms)
      WHERE kind = 'php'""",
      """
      CREATE INDEX records_pg_project_source_time ON records(project, source, event_time_ms, id)
      WHERE kind = 'postgres'""");

  static final List<String> ROUTE_HOURLY = List.of(
      "CREATE TABLE duration_buckets (upper_ms REAL PRIMARY KEY, bucket INTEGER NOT NULL) WITHOUT ROWID",
      """
      INSERT INTO duration_buckets (upper_ms, bucket)
      WITH RECURSIVE b(bucket, upper_ms) AS (SELECT 0, 1.0 UNION ALL SELECT bucket + 1, upper_ms * %s FROM b
        WHERE bucket < %d)
      SELECT upper_ms, bucket FROM b""".formatted(BUCKET_RATIO, BUCKETS),
      """
      CREATE TABLE route_hourly (
        project TEXT NOT NULL,
        hour_ms INTEGER NOT NULL,
        route TEXT NOT NULL,
        bucket INTEGER NOT NULL,
        count INTEGER NOT NULL,
        total_ms REAL NOT NULL,
        max_ms REAL NOT NULL,
        PRIMARY KEY (project, hour_ms, route, bucket)
      ) WITHOUT ROWID""",
      """
      CREATE TRIGGER records_route_hourly_insert AFTER INSERT ON records
      WHEN NEW.kind = 'php' AND NEW.duration_ms IS NOT NULL
      BEGIN
        INSERT INTO route_hourly (project, hour_ms, route, bucket, count, total_ms, max_ms)
        VALUES (NEW.project, NEW.event_time_ms - NEW.event_time_ms % 3600000, coalesce(NEW.route, ''),
          coalesce((SELECT bucket FROM duration_buckets WHERE upper_ms > NEW.duration_ms ORDER BY upper_ms
            LIMIT 1), 1000), 1, NEW.duration_ms, NEW.duration_ms)
        ON CONFLICT (project, hour_ms, route, bucket) DO UPDATE SET count = count + 1,
          total_ms = total_ms + excluded.total_ms, max_ms = max(max_ms, excluded.max_ms);
      END""",
      """
      CREATE TRIGGER records_route_hourly_delete AFTER DELETE ON records
      WHEN OLD.kind = 'php' AND OLD.duration_ms IS NOT NULL
      BEGIN
        UPDATE route_hourly SET count = count - 1, total_ms = total_ms - OLD.duration_ms
        WHERE project = OLD.project AND hour_ms = OLD.event_time_ms - OLD.event_time_ms % 3600000
          AND route = coalesce(OLD.route, '')
          AND bucket = coalesce((SELECT bucket FROM duration_buckets WHERE upper_ms > OLD.duration_ms
            ORDER BY upper_ms LIMIT 1), 1000);
        DELETE FROM route_hourly WHERE project = OLD.project
          AND hour_ms = OLD.event_time_ms - OLD.event_time_ms % 3600000 AND route = coalesce(OLD.route, '')
          AND count <= 0;
      END""",
      """
      INSERT INTO route_hourly (project, hour_ms, route, bucket, count, total_ms, max_ms)
      SELECT project, event_time_ms - event_time_ms % 3600000, coalesce(route, ''),
        coalesce((SELECT bucket FROM duration_buckets d WHERE d.upper_ms > r.duration_ms ORDER BY d.upper_ms
          LIMIT 1), 1000), count(*), sum(duration_ms), max(duration_ms)
      FROM records r WHERE kind = 'php' AND duration_ms IS NOT NULL
      GROUP BY 1, 2, 3, 4""");

  /** Upper bound in ms of a histogram bucket (the overflow bucket 1000 has none). */
  static double upperMs(int bucket) {
    return bucket >= 1000 ? Double.POSITIVE_INFINITY : Math.pow(BUCKET_RATIO, bucket);
  }

  private QuerySchema() {
  }
}
