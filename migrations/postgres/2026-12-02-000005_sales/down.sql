DROP TABLE proposal_decisions;
DROP TABLE proposal_versions;
DROP TABLE proposals;
DROP TABLE lead_stage_changes;
DROP TABLE leads;
UPDATE workflow_runs SET status = 'completed' WHERE status = 'waiting_approval';
ALTER TABLE workflow_runs DROP CONSTRAINT workflow_runs_status_check;
ALTER TABLE workflow_runs ADD CONSTRAINT workflow_runs_status_check
    CHECK (status IN ('running', 'completed', 'failed', 'cancelled'));
