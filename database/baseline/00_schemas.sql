-- Baseline 00: schemas and shared helpers of the pre-remediation production database.
-- public already exists in every PostgreSQL database; core, serve and spp are the
-- app's own schemas (canonical supplier data, read models, supplier price-list uploads).
-- Deliberately absent (the remediation adds them): public.organization, schema auth,
-- auth.users_extended, auth.uid(), role authenticated.

CREATE SCHEMA core;
COMMENT ON SCHEMA core IS 'canonical supplier and product master data';

CREATE SCHEMA serve;
COMMENT ON SCHEMA serve IS 'read models served to dashboards';

CREATE SCHEMA spp;
COMMENT ON SCHEMA spp IS 'supplier price-list processing (uploads and staged rows)';

-- Keeps updated_at current on the tables that carry one.
CREATE FUNCTION public.set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
