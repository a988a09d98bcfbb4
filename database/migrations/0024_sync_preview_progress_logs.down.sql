-- Rollback of 0024_sync_preview_progress_logs, in reverse order of creation.
-- The runner runs this in one transaction: it removes everything or nothing.
-- IF EXISTS lets it also clear a state left by a partial hand-run of the up
-- step. No CASCADE: an object someone else built on these tables (a view, a
-- foreign key) must stop the rollback rather than vanish with it.
-- Dropping the tables destroys their rows; the runner counts them and refuses
-- without --allow-data-loss before it gets here.

DROP POLICY IF EXISTS sync_activity_log_delete ON public.sync_activity_log;
DROP POLICY IF EXISTS sync_activity_log_update ON public.sync_activity_log;
DROP POLICY IF EXISTS sync_activity_log_insert ON public.sync_activity_log;
DROP POLICY IF EXISTS sync_activity_log_select ON public.sync_activity_log;
DROP POLICY IF EXISTS sync_progress_delete ON public.sync_progress;
DROP POLICY IF EXISTS sync_progress_update ON public.sync_progress;
DROP POLICY IF EXISTS sync_progress_insert ON public.sync_progress;
DROP POLICY IF EXISTS sync_progress_select ON public.sync_progress;
DROP POLICY IF EXISTS preview_cache_delete ON public.sync_preview_cache;
DROP POLICY IF EXISTS preview_cache_update ON public.sync_preview_cache;
DROP POLICY IF EXISTS preview_cache_insert ON public.sync_preview_cache;
DROP POLICY IF EXISTS preview_cache_select ON public.sync_preview_cache;

ALTER TABLE IF EXISTS public.sync_activity_log DISABLE ROW LEVEL SECURITY;
ALTER TABLE IF EXISTS public.sync_progress DISABLE ROW LEVEL SECURITY;
ALTER TABLE IF EXISTS public.sync_preview_cache DISABLE ROW LEVEL SECURITY;

DROP TRIGGER IF EXISTS sync_progress_log_completion ON public.sync_progress;
DROP TRIGGER IF EXISTS sync_progress_update_timestamp ON public.sync_progress;
DROP TRIGGER IF EXISTS sync_progress_validate_totals ON public.sync_progress;
DROP TRIGGER IF EXISTS sync_progress_update_elapsed ON public.sync_progress;

DROP FUNCTION IF EXISTS public.auto_log_sync_activity_on_progress_change();
DROP FUNCTION IF EXISTS public.update_sync_progress_timestamp();
DROP FUNCTION IF EXISTS public.validate_sync_progress_totals();
DROP FUNCTION IF EXISTS public.update_sync_progress_elapsed();
DROP FUNCTION IF EXISTS public.auto_cleanup_preview_cache();

-- Partitions (monthly and default) are dropped with their parent; the
-- indexes, constraints and grants go with their tables.
DROP TABLE IF EXISTS public.sync_activity_log;
DROP TABLE IF EXISTS public.sync_progress;
DROP TABLE IF EXISTS public.sync_preview_cache;

DROP TYPE IF EXISTS public.sync_status_type;
DROP TYPE IF EXISTS public.sync_entity_type;
DROP TYPE IF EXISTS public.sync_action;
DROP TYPE IF EXISTS public.sync_type;
