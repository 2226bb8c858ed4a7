-- Minimum privileges for the Bitville pg-agent. Run as a superuser (psql -f monitoring-role.sql).
-- pg_monitor = pg_read_all_settings + pg_read_all_stats + pg_stat_scan_tables: the agent sees every session's
-- query and every statement's text, reads settings such as data_directory and log_line_prefix, and nothing else.
-- Replace the password (or use a .pgpass / peer auth) before running.
CREATE ROLE bitville_monitor WITH LOGIN PASSWORD 'change-me-to-a-long-random-secret' CONNECTION LIMIT 2;
GRANT pg_monitor TO bitville_monitor;
-- Belt and braces: the agent sets these per session itself, the role defaults make them hold for any client.
ALTER ROLE bitville_monitor SET default_transaction_read_only = on;
ALTER ROLE bitville_monitor SET statement_timeout = '2s';
ALTER ROLE bitville_monitor SET lock_timeout = '500ms';
ALTER ROLE bitville_monitor SET idle_in_transaction_session_timeout = '5s';
-- Statement statistics: needs shared_preload_libraries = 'pg_stat_statements' in postgresql.conf (restart), then
-- in the database the agent connects to (database.name, default postgres):
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
