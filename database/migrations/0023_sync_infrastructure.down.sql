-- Rollback of 0023_sync_infrastructure, in reverse order of creation. The runner runs
-- it in one transaction: everything goes or nothing does. IF EXISTS lets it also clear
-- a state left by a partial hand-run. No CASCADE: an object someone else built on these
-- tables must stop the rollback rather than vanish with it. Indexes, constraints and
-- grants go with their tables; dropping the tables destroys their rows.

DROP TRIGGER IF EXISTS woo_sync_queue_line_state_change ON public.woo_customer_sync_queue_line;
DROP FUNCTION IF EXISTS public.update_woo_sync_queue_state();

DROP TABLE IF EXISTS public.woo_sync_activity;
DROP TABLE IF EXISTS public.woo_customer_sync_queue_line;
DROP TABLE IF EXISTS public.woo_customer_sync_queue;
