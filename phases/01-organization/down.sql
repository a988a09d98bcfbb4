-- Phase 01-organization, down: the grants, the table, and the role only if this phase
-- created it. No CASCADE: if anything still references organization (auth.users_extended,
-- 0023/0024 tables), the rollback fails and nothing changes; roll those back first.

DO $$
BEGIN
    IF to_regclass('public.organization') IS NOT NULL
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'authenticated') THEN
        REVOKE SELECT, INSERT, UPDATE, DELETE ON public.organization FROM authenticated;
    END IF;
END
$$;

DROP TABLE IF EXISTS public.organization;

-- The role is cluster-wide. It is dropped only when
--   * it carries the marker written by up.sql (this tool created it), and
--   * nothing in any database of the cluster still depends on it (pg_shdepend is a
--     shared catalog: owned objects, grants, default privileges, policies), and
--   * no role is a member of it (other than the role running this) and it is a member
--     of none, so no grant made outside this tool is silently revoked.
-- Otherwise it is left in place with a NOTICE: another database on the cluster may use
-- it, and the last rollback there will drop it. DROP ROLE errors that still slip through
-- (a concurrent grant, missing privilege) are caught: leaving the role is always safe.
DO $$
DECLARE
    v_role oid;
BEGIN
    SELECT oid INTO v_role FROM pg_catalog.pg_roles WHERE rolname = 'authenticated';
    IF v_role IS NULL THEN
        RETURN;
    END IF;
    IF pg_catalog.shobj_description(v_role, 'pg_authid') IS DISTINCT FROM 'created by migrate phase 01-organization' THEN
        RAISE NOTICE 'role authenticated was not created by phase 01-organization; leaving it';
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_shdepend
                WHERE refclassid = 'pg_catalog.pg_authid'::regclass AND refobjid = v_role) THEN
        RAISE NOTICE 'role authenticated still owns objects or holds privileges in this or another database; leaving it';
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members
                WHERE (roleid = v_role AND member <> (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user))
                   OR member = v_role) THEN
        RAISE NOTICE 'role authenticated has role memberships granted outside this phase; leaving it';
        RETURN;
    END IF;
    BEGIN
        DROP ROLE authenticated;
    EXCEPTION
        WHEN dependent_objects_still_exist OR insufficient_privilege OR object_in_use THEN
            RAISE NOTICE 'role authenticated left in place: %', SQLERRM;
    END;
END
$$;
