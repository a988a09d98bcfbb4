-- Phase 01-organization, up: role authenticated (only when absent) and public.organization.
-- Idempotent: a second run changes nothing.
--
-- Roles are cluster-wide and plain PostgreSQL has no `authenticated` (Supabase creates
-- it), so the seed's own Phase 1 failed with: role "authenticated" does not exist.
-- The role is created NOLOGIN only when absent, and only then is it marked with
--   COMMENT ON ROLE authenticated IS 'created by migrate phase 01-organization'
-- which is what down.sql looks for before it may drop the role. A role that existed
-- before (Supabase, a DBA, another application) never gets the marker, so it is never
-- dropped. Two runners racing on the same cluster: the loser gets duplicate_object or
-- unique_violation, which is caught and means "it exists now".
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'authenticated') THEN
        BEGIN
            CREATE ROLE authenticated NOLOGIN;
            COMMENT ON ROLE authenticated IS 'created by migrate phase 01-organization';
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN
                RAISE NOTICE 'role authenticated was created concurrently; using it as it is';
        END;
    END IF;
END
$$;

CREATE TABLE IF NOT EXISTS public.organization (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        varchar(255) NOT NULL,
    slug        varchar(255) NOT NULL UNIQUE,
    description text,
    is_active   boolean DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS idx_organization_slug ON public.organization (slug);
CREATE INDEX IF NOT EXISTS idx_organization_active ON public.organization (is_active);
CREATE INDEX IF NOT EXISTS idx_organization_created ON public.organization (created_at DESC);

GRANT SELECT, INSERT, UPDATE, DELETE ON public.organization TO authenticated;
