--
-- cron: pg_cron ran the sync the setup suite scheduled (pg_cron 1.4 runs
-- jobs at the start of a minute; this waits for the first run to end)
--
SET client_min_messages = warning;
SELECT dblink_connect('cron', format('host=%s port=%s dbname=postgres user=%s',
                                     ddb_test.getenv('pghost'), ddb_test.getenv('pgport'), current_user));
CREATE FUNCTION cron_first_run(OUT status text, OUT return_message text) LANGUAGE sql AS $$
  SELECT * FROM dblink('cron', $q$
    SELECT d.status, d.return_message FROM cron.job_run_details d JOIN cron.job j USING (jobid)
     WHERE j.jobname = 'ddb_fdw_cron_test' ORDER BY d.runid LIMIT 1 $q$) AS t(status text, return_message text)
$$;
DO $$
BEGIN
  FOR i IN 1..150 LOOP
    EXIT WHEN (SELECT status FROM cron_first_run()) IN ('succeeded', 'failed');
    PERFORM pg_sleep(1);
  END LOOP;
END $$;
SELECT * FROM cron_first_run();
SELECT unscheduled FROM dblink('cron', $$SELECT cron.unschedule('ddb_fdw_cron_test')$$) AS t(unscheduled boolean);
SELECT dblink_disconnect('cron');
-- the catalog, and the copy equal to DynamoDB
SELECT status, rows, last_error, last_run_mode FROM ddb_fdw.sync_status
 WHERE target = 'cron_copy'::regclass;
-- pg_cron's background worker started segment workers
SELECT segments, workers FROM ddb_fdw.sync_run WHERE target = 'cron_copy'::regclass
 ORDER BY run_id LIMIT 1;
SELECT count(*) AS items,
       count(*) FILTER (WHERE c.item = d.item) AS equal
  FROM ddb_test.dynamodb_items('cron_items') AS d(item)
  LEFT JOIN cron_copy c ON c.pk = d.item->>'pk';
DROP TABLE cron_copy;
DROP FOREIGN TABLE ddb_test.cron_items;
DROP FUNCTION cron_first_run();
