DROP INDEX tasks_workflow_run;
ALTER TABLE tasks DROP COLUMN workflow_step;
ALTER TABLE tasks DROP COLUMN workflow_run_id;
DROP TABLE workflow_runs;
