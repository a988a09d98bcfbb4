DROP FUNCTION workflow_count();
DROP TABLE workflow, change_log;
