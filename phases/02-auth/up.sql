-- Phase 02-auth, up: schema auth, auth.users_extended, its indexes and grants, and
-- auth.uid() when absent. Idempotent: a second run changes nothing.
--
-- What this phase creates (as opposed to finds) is marked with a comment,
-- 'created by migrate phase 02-auth', so down.sql removes only that: on Supabase the
-- schema auth and auth.uid() already exist and must survive a rollback.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'auth') THEN
        BEGIN
            CREATE SCHEMA auth;
            COMMENT ON SCHEMA auth IS 'created by migrate phase 02-auth';
        EXCEPTION
            WHEN duplicate_schema OR unique_violation THEN
                RAISE NOTICE 'schema auth was created concurrently; using it as it is';
        END;
    END IF;
END
$$;

CREATE TABLE IF NOT EXISTS auth.users_extended (
    id         uuid PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES public.organization (id) ON DELETE CASCADE,
    email      varchar(255) NOT NULL UNIQUE,
    full_name  varchar(255),
    avatar_url text,
    is_active  boolean DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS idx_auth_users_org ON auth.users_extended (org_id);
CREATE INDEX IF NOT EXISTS idx_auth_users_email ON auth.users_extended (email);
CREATE INDEX IF NOT EXISTS idx_auth_users_active ON auth.users_extended (is_active);
CREATE INDEX IF NOT EXISTS idx_auth_users_org_active ON auth.users_extended (org_id, is_active);

GRANT USAGE ON SCHEMA auth TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON auth.users_extended TO authenticated;

-- auth.uid(): every 0024 policy calls it and only Supabase provides it. Created only
-- when no auth.uid() exists (never CREATE OR REPLACE: an existing one, e.g. Supabase's
-- reading the JWT, is the real one). Ours returns the uuid in the setting
-- app.current_user_id (set per transaction by the application:
--   SELECT set_config('app.current_user_id', '<uuid>', true)),
-- NULL when the setting is unset or empty.
DO $do$
BEGIN
    IF NOT EXISTS (SELECT 1
                     FROM pg_catalog.pg_proc p
                     JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                    WHERE n.nspname = 'auth' AND p.proname = 'uid' AND p.pronargs = 0) THEN
        BEGIN
            CREATE FUNCTION auth.uid() RETURNS uuid
                LANGUAGE sql
                STABLE
                PARALLEL SAFE
            AS $fn$
                SELECT NULLIF(pg_catalog.current_setting('app.current_user_id', true), '')::pg_catalog.uuid
            $fn$;
            COMMENT ON FUNCTION auth.uid() IS 'created by migrate phase 02-auth';
        EXCEPTION
            WHEN duplicate_function OR unique_violation THEN
                RAISE NOTICE 'auth.uid() was created concurrently; using it as it is';
        END;
    END IF;
END
$do$;
