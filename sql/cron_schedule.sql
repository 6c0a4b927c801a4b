--
-- cron_schedule: pg_cron (in database postgres) syncs a table of this
-- database once, at the next full minute, in two segments (so pg_cron's
-- background worker starts segment workers); the cron suite, last, checks
-- the result.  Scheduled right after setup so that the minute passes while
-- the other suites run.  Needs pg_cron in shared_preload_libraries with
-- cron.database_name = 'postgres' (make installcheck skips both suites
-- on a server without it).
--
SELECT dblink_connect('cron', format('host=%s port=%s dbname=postgres user=%s',
                                     ddb_test.getenv('pghost'), ddb_test.getenv('pgport'), current_user));
SELECT dblink_exec('cron', 'CREATE EXTENSION IF NOT EXISTS pg_cron');
CREATE FOREIGN TABLE ddb_test.cron_items (pk text NOT NULL, item jsonb OPTIONS (whole_item 'true'))
  SERVER ddb OPTIONS (table_name 'cron_items', partition_key 'pk', segments '2');
SELECT jobid > 0 AS scheduled FROM dblink('cron', format(
  'SELECT cron.schedule_in_database(%L, %L, %L, %L)', 'ddb_fdw_cron_test', '* * * * *',
  $$CALL ddb_fdw.sync('ddb_test.cron_items', 'public.cron_copy')$$, current_database())) AS t(jobid bigint);
SELECT dblink_disconnect('cron');
