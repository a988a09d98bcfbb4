CREATE TABLE change_log (id bigserial PRIMARY KEY, tbl text NOT NULL, at timestamptz NOT NULL);
CREATE TABLE workflow (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER workflow_touch BEFORE UPDATE ON workflow FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE FUNCTION workflow_count() RETURNS bigint LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT count(*) FROM workflow;
END;
