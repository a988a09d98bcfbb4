import { lockFootprint, type LockRequest } from '../../src/analysis';
import { one } from './support/sql';

async function locks(sql: string): Promise<string[]> {
  return lockFootprint(await one(sql)).map((l: LockRequest) => `${l.table} ${l.lock}`);
}

describe('lockFootprint', () => {
  it.each([
    ['CREATE TABLE x (org_id uuid REFERENCES organization(id))', ['public.organization SHARE ROW EXCLUSIVE']],
    ['CREATE TABLE x (id int REFERENCES x(id), p int REFERENCES app.parent)', ['app.parent SHARE ROW EXCLUSIVE']],
    [
      "CREATE TABLE log_2025_01 PARTITION OF sync_activity_log FOR VALUES FROM ('2025-01-01') TO ('2025-02-01')",
      ['public.sync_activity_log ACCESS EXCLUSIVE'],
    ],
    [
      'ALTER TABLE a ADD CONSTRAINT fk FOREIGN KEY (b) REFERENCES c(id) NOT VALID',
      ['public.a SHARE ROW EXCLUSIVE', 'public.c SHARE ROW EXCLUSIVE'],
    ],
    ['ALTER TABLE a ADD COLUMN n int, ALTER COLUMN c SET STATISTICS 500', ['public.a ACCESS EXCLUSIVE']],
    ['ALTER TABLE a ALTER COLUMN c SET STATISTICS 500', ['public.a SHARE UPDATE EXCLUSIVE']],
    ['ALTER TABLE a VALIDATE CONSTRAINT fk', ['public.a SHARE UPDATE EXCLUSIVE']],
    ['ALTER TABLE a DISABLE TRIGGER USER', ['public.a SHARE ROW EXCLUSIVE']],
    ['ALTER TABLE a SET (fillfactor = 70, autovacuum_enabled = false)', ['public.a SHARE UPDATE EXCLUSIVE']],
    ['ALTER TABLE a ENABLE ROW LEVEL SECURITY', ['public.a ACCESS EXCLUSIVE']],
    ['ALTER TABLE a ADD CONSTRAINT c CHECK (n > 0)', ['public.a ACCESS EXCLUSIVE']],
    [
      "ALTER TABLE p ATTACH PARTITION p_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
      ['public.p_2025 ACCESS EXCLUSIVE', 'public.p SHARE UPDATE EXCLUSIVE'],
    ],
    ['CREATE INDEX i ON t (a)', ['public.t SHARE']],
    ['CREATE INDEX CONCURRENTLY i ON t (a)', ['public.t SHARE UPDATE EXCLUSIVE']],
    ['CREATE TRIGGER tr AFTER INSERT ON q FOR EACH ROW EXECUTE FUNCTION f()', ['public.q SHARE ROW EXCLUSIVE']],
    [
      'CREATE POLICY p ON t TO authenticated USING (EXISTS (SELECT 1 FROM auth.users_extended u WHERE u.id = auth.uid()))',
      ['public.t ACCESS EXCLUSIVE', 'auth.users_extended ACCESS SHARE'],
    ],
    ['DROP POLICY p ON t', ['public.t ACCESS EXCLUSIVE']],
    ['DROP TABLE a, b', ['public.a ACCESS EXCLUSIVE', 'public.b ACCESS EXCLUSIVE']],
    ['TRUNCATE a', ['public.a ACCESS EXCLUSIVE']],
    ['INSERT INTO a (x) SELECT x FROM b', ['public.b ACCESS SHARE', 'public.a ROW EXCLUSIVE']],
    ['UPDATE a SET x = 1 WHERE id IN (SELECT id FROM b)', ['public.b ACCESS SHARE', 'public.a ROW EXCLUSIVE']],
    ['DELETE FROM a', ['public.a ROW EXCLUSIVE']],
    ['SELECT * FROM a JOIN b ON true', ['public.a ACCESS SHARE', 'public.b ACCESS SHARE']],
    ['SELECT * FROM a x JOIN b ON true FOR UPDATE OF x', ['public.a ROW SHARE', 'public.b ACCESS SHARE']],
    ['LOCK TABLE a IN SHARE ROW EXCLUSIVE MODE', ['public.a SHARE ROW EXCLUSIVE']],
    ['GRANT SELECT ON a TO authenticated', []],
    ["COMMENT ON TABLE a IS 'x'", ['public.a SHARE UPDATE EXCLUSIVE']],
    ['DO $$ BEGIN PERFORM 1; END $$', []],
    ['CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', []],
  ])('%s', async (sql, expected) => {
    expect(await locks(sql)).toEqual(expected);
  });

  it('explains why', async () => {
    const [l] = lockFootprint(await one('ALTER TABLE a VALIDATE CONSTRAINT fk, ENABLE ROW LEVEL SECURITY'));
    expect(l).toEqual({ table: 'public.a', lock: 'ACCESS EXCLUSIVE', reason: 'ALTER TABLE ENABLE ROW SECURITY' });
  });
});
