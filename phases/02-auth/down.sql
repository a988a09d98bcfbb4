-- Phase 02-auth, down: removes what up.sql created and nothing else.
-- No CASCADE: while 0024's policies call auth.uid() or its foreign keys reference
-- auth.users_extended, this fails and changes nothing; roll 0024 back first.

-- auth.uid() only if this phase created it (marker comment); a pre-existing one stays.
DO $$
DECLARE
    v_fn oid;
BEGIN
    SELECT p.oid INTO v_fn
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'auth' AND p.proname = 'uid' AND p.pronargs = 0;
    IF v_fn IS NULL THEN
        RETURN;
    END IF;
    IF pg_catalog.obj_description(v_fn, 'pg_proc') IS NOT DISTINCT FROM 'created by migrate phase 02-auth' THEN
        DROP FUNCTION auth.uid();
    ELSE
        RAISE NOTICE 'auth.uid() was not created by phase 02-auth; leaving it';
    END IF;
END
$$;

-- The table takes its indexes and grants with it.
DROP TABLE IF EXISTS auth.users_extended;

-- Schema auth only if this phase created it and it is now empty; if someone put other
-- objects in it since, keep it (and them) and take back only our USAGE grant.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace
                    WHERE nspname = 'auth'
                      AND pg_catalog.obj_description(oid, 'pg_namespace') IS NOT DISTINCT FROM 'created by migrate phase 02-auth') THEN
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'auth') THEN
            RAISE NOTICE 'schema auth was not created by phase 02-auth; leaving it';
        END IF;
        RETURN;
    END IF;
    BEGIN
        DROP SCHEMA auth;
    EXCEPTION
        WHEN dependent_objects_still_exist THEN
            RAISE NOTICE 'schema auth still holds other objects; leaving it, revoking only our USAGE grant';
            IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'authenticated') THEN
                REVOKE USAGE ON SCHEMA auth FROM authenticated;
            END IF;
    END;
END
$$;
