-- Phase 04-smoke-test-data, down: deletes exactly the rows up.sql inserted (fixed id
-- AND marker), never a pre-existing test-org or test@example.com. The organization is
-- deleted only when no row anywhere still references it: its foreign keys cascade
-- (auth.users_extended, 0023's queue, 0024's tables), and rows someone added to
-- test-org after this phase are not ours to delete. Then it is left, with a NOTICE.

DELETE FROM auth.users_extended
 WHERE id = '00000000-0000-4000-a000-000000000402'
   AND email = 'test@example.com'
   AND full_name = 'Smoke Test User (migrate phase 04-smoke-test-data)';

DO $$
DECLARE
    v_org  constant uuid := '00000000-0000-4000-a000-000000000401';
    v_fk   record;
    v_used boolean;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.organization
                    WHERE id = v_org AND slug = 'test-org'
                      AND description = 'smoke-test data of migrate phase 04-smoke-test-data') THEN
        RETURN;
    END IF;
    -- Every foreign key that references public.organization (top-level constraints
    -- only: a partitioned table's key covers its partitions).
    FOR v_fk IN
        SELECT k.conrelid::regclass AS tbl, k.conkey, a.attname
          FROM pg_catalog.pg_constraint k
          LEFT JOIN pg_catalog.pg_attribute a
                 ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
         WHERE k.contype = 'f' AND k.conparentid = 0
           AND k.confrelid = 'public.organization'::regclass
    LOOP
        IF cardinality(v_fk.conkey) <> 1 THEN
            RAISE NOTICE 'test-org kept: % has a multi-column key to organization', v_fk.tbl;
            RETURN;
        END IF;
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE %I = $1)', v_fk.tbl, v_fk.attname)
           INTO v_used USING v_org;
        IF v_used THEN
            RAISE NOTICE 'test-org kept: rows in % still reference it', v_fk.tbl;
            RETURN;
        END IF;
    END LOOP;
    DELETE FROM public.organization
     WHERE id = v_org
       AND description = 'smoke-test data of migrate phase 04-smoke-test-data';
END
$$;
