-- The schema of the first released listener (commit e0b4bf5, migration 1), as that version created it:
-- used by UpgradeTest to open a database written by it. Statements end with ";" at the end of a line.
CREATE TABLE records (
  id INTEGER PRIMARY KEY,
  project TEXT NOT NULL,
  kind TEXT NOT NULL,
  source TEXT NOT NULL,
  correlation_id TEXT,
  event_time_ms INTEGER NOT NULL,
  received_at_ms INTEGER NOT NULL,
  event_time_estimated INTEGER NOT NULL DEFAULT 0,
  duration_ms REAL,
  route TEXT,
  url TEXT,
  method TEXT,
  status INTEGER,
  host TEXT,
  sql_count INTEGER,
  sql_time_ms REAL,
  memory_peak_bytes INTEGER,
  fatal INTEGER NOT NULL DEFAULT 0,
  summary TEXT,
  node TEXT,
  payload BLOB NOT NULL
);
CREATE INDEX records_correlation ON records(correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX records_project_time ON records(project, event_time_ms, id);
CREATE INDEX records_project_duration ON records(project, duration_ms) WHERE kind = 'php';
CREATE INDEX records_project_route_time ON records(project, route, event_time_ms) WHERE kind = 'php';
CREATE INDEX records_event_time ON records(event_time_ms);
CREATE TABLE record_links (
  correlation_id TEXT NOT NULL,
  record_id INTEGER NOT NULL,
  PRIMARY KEY (correlation_id, record_id)
) WITHOUT ROWID;
CREATE INDEX record_links_record ON record_links(record_id);
CREATE TABLE request_functions (
  record_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  calls INTEGER NOT NULL,
  wall_us INTEGER NOT NULL,
  PRIMARY KEY (record_id, name)
) WITHOUT ROWID;
CREATE TABLE request_sql (
  record_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  fingerprint TEXT NOT NULL,
  time_ms REAL NOT NULL,
  PRIMARY KEY (record_id, seq)
) WITHOUT ROWID;
CREATE TABLE sql_texts (fingerprint TEXT PRIMARY KEY, normalized TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO counters (name, value) VALUES ('next_record_id', 1);
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at_ms INTEGER NOT NULL, description TEXT NOT NULL);
INSERT INTO schema_version (version, applied_at_ms, description) VALUES (1, 1795400000000, 'records, links, functions, SQL');
