-- 0023_sync_infrastructure: the WooCommerce customer-sync queue.
--
--   woo_customer_sync_queue       one row per sync run of an organisation: a state
--                                 machine (draft → processing → done | partial | failed,
--                                 or cancelled), line counters, retry/batch settings and
--                                 an idempotency key unique per organisation.
--   woo_customer_sync_queue_line  one row per WooCommerce customer in a run: the cached
--                                 customer JSON, its own state, and the local customer
--                                 it produced.
--   woo_sync_activity             append-only audit rows.
--
-- Needs public.organization and role authenticated (remediation phase 01), and the
-- baseline's public.users and public.customer. The runner wraps this file in one
-- transaction: no BEGIN/COMMIT here, and every statement is a plain CREATE, so meeting
-- an existing object is an error (the runner adopts a hand-applied 0023 after its
-- verify passes instead of re-running it). Names are schema-qualified.
--
-- Fixed against the original file: created_by was `uuid NOT NULL REFERENCES "user"(id)
-- ON DELETE SET NULL`; the table is users, and NOT NULL with SET NULL made every user
-- delete fail. It is nullable here.

CREATE TABLE public.woo_customer_sync_queue (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id              uuid NOT NULL REFERENCES public.organization (id) ON DELETE CASCADE,
    name                varchar(255) NOT NULL,
    state               varchar(20) NOT NULL DEFAULT 'draft',
    idempotency_key     varchar(255),
    total_count         integer NOT NULL DEFAULT 0,
    draft_count         integer NOT NULL DEFAULT 0,
    processing_count    integer NOT NULL DEFAULT 0,
    done_count          integer NOT NULL DEFAULT 0,
    failed_count        integer NOT NULL DEFAULT 0,
    batch_size          integer NOT NULL DEFAULT 50,
    max_retries         integer NOT NULL DEFAULT 3,
    retry_delay_seconds integer NOT NULL DEFAULT 60,
    options             jsonb NOT NULL DEFAULT '{}',
    last_error          text,
    created_by          uuid REFERENCES public.users (id) ON DELETE SET NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    started_at          timestamptz,
    completed_at        timestamptz,
    CONSTRAINT woo_sync_queue_state_check CHECK (
        state IN ('draft', 'processing', 'partial', 'done', 'failed', 'cancelled')),
    CONSTRAINT woo_sync_queue_counts_check CHECK (
        total_count >= 0 AND draft_count >= 0 AND processing_count >= 0
        AND done_count >= 0 AND failed_count >= 0),
    CONSTRAINT woo_sync_queue_batch_size_check CHECK (batch_size BETWEEN 1 AND 1000),
    CONSTRAINT woo_sync_queue_retries_check CHECK (max_retries BETWEEN 0 AND 100 AND retry_delay_seconds >= 0)
);

CREATE TABLE public.woo_customer_sync_queue_line (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    queue_id           uuid NOT NULL REFERENCES public.woo_customer_sync_queue (id) ON DELETE CASCADE,
    woo_customer_id    bigint NOT NULL,
    customer_json      jsonb NOT NULL DEFAULT '{}',
    state              varchar(20) NOT NULL DEFAULT 'draft',
    attempt_count      integer NOT NULL DEFAULT 0,
    last_error         text,
    result_customer_id uuid REFERENCES public.customer (id) ON DELETE SET NULL,
    processed_at       timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT woo_sync_queue_line_state_check CHECK (state IN ('draft', 'processing', 'done', 'failed')),
    CONSTRAINT woo_sync_queue_line_attempts_check CHECK (attempt_count >= 0)
);

CREATE TABLE public.woo_sync_activity (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid NOT NULL REFERENCES public.organization (id) ON DELETE CASCADE,
    queue_id    uuid REFERENCES public.woo_customer_sync_queue (id) ON DELETE SET NULL,
    action      varchar(50) NOT NULL,
    entity_type varchar(50) NOT NULL DEFAULT 'customer',
    entity_id   varchar(255),
    status      varchar(20) NOT NULL DEFAULT 'info',
    message     text,
    details     jsonb NOT NULL DEFAULT '{}',
    user_id     uuid REFERENCES public.users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT woo_sync_activity_status_check CHECK (status IN ('info', 'success', 'warning', 'error'))
);

-- The eight indexes. The two UNIQUE ones carry the idempotency key per organisation and
-- "one line per WooCommerce customer per run"; (queue_id, state) serves the trigger's
-- recount; the others serve listings and the ON DELETE actions of the foreign keys.
CREATE INDEX idx_woo_sync_queue_org_state ON public.woo_customer_sync_queue (org_id, state);
CREATE INDEX idx_woo_sync_queue_org_created ON public.woo_customer_sync_queue (org_id, created_at DESC);
CREATE UNIQUE INDEX idx_woo_sync_queue_org_idempotency ON public.woo_customer_sync_queue (org_id, idempotency_key);
CREATE INDEX idx_woo_sync_line_queue_state ON public.woo_customer_sync_queue_line (queue_id, state);
CREATE UNIQUE INDEX idx_woo_sync_line_queue_customer ON public.woo_customer_sync_queue_line (queue_id, woo_customer_id);
CREATE INDEX idx_woo_sync_line_result_customer ON public.woo_customer_sync_queue_line (result_customer_id)
    WHERE result_customer_id IS NOT NULL;
CREATE INDEX idx_woo_sync_activity_org_created ON public.woo_sync_activity (org_id, created_at DESC);
CREATE INDEX idx_woo_sync_activity_queue ON public.woo_sync_activity (queue_id, created_at DESC);

-- After a line is inserted or changes state (or queue), recount the lines of the
-- affected queue(s) and move the queue:
--   all lines finished (none draft or processing): done if none failed, failed if none
--     done, partial otherwise; completed_at is set;
--   some line processing, or some finished while others wait: processing;
--   all lines still draft: the state is left as it is (draft, or processing when the
--     worker has already claimed the run);
--   a cancelled queue keeps its state; only its counters move.
-- The queue row is locked before counting, so concurrent workers on one queue
-- serialise here and each count sees the lines the other committed.
CREATE FUNCTION public.update_woo_sync_queue_state() RETURNS trigger
    LANGUAGE plpgsql
AS $$
DECLARE
    v_queue      uuid;
    v_state      varchar(20);
    v_new_state  varchar(20);
    v_total      integer;
    v_draft      integer;
    v_processing integer;
    v_done       integer;
    v_failed     integer;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.state IS NOT DISTINCT FROM OLD.state
       AND NEW.queue_id IS NOT DISTINCT FROM OLD.queue_id THEN
        RETURN NULL;
    END IF;

    FOR v_queue IN
        SELECT DISTINCT q
          FROM unnest(CASE WHEN TG_OP = 'UPDATE' THEN ARRAY[NEW.queue_id, OLD.queue_id]
                           ELSE ARRAY[NEW.queue_id] END) AS q
         ORDER BY q
    LOOP
        SELECT state INTO v_state
          FROM public.woo_customer_sync_queue
         WHERE id = v_queue
           FOR UPDATE;
        CONTINUE WHEN NOT FOUND;

        SELECT count(*),
               count(*) FILTER (WHERE state = 'draft'),
               count(*) FILTER (WHERE state = 'processing'),
               count(*) FILTER (WHERE state = 'done'),
               count(*) FILTER (WHERE state = 'failed')
          INTO v_total, v_draft, v_processing, v_done, v_failed
          FROM public.woo_customer_sync_queue_line
         WHERE queue_id = v_queue;

        v_new_state := CASE
            WHEN v_state = 'cancelled' OR v_total = 0 THEN v_state
            WHEN v_draft + v_processing = 0 THEN
                CASE WHEN v_failed = 0 THEN 'done'
                     WHEN v_done = 0 THEN 'failed'
                     ELSE 'partial' END
            WHEN v_processing > 0 OR v_done + v_failed > 0 THEN 'processing'
            ELSE v_state
        END;

        UPDATE public.woo_customer_sync_queue
           SET total_count      = v_total,
               draft_count      = v_draft,
               processing_count = v_processing,
               done_count       = v_done,
               failed_count     = v_failed,
               state            = v_new_state,
               started_at       = CASE WHEN v_new_state <> 'draft' AND v_new_state <> 'cancelled'
                                       THEN coalesce(started_at, now()) ELSE started_at END,
               completed_at     = CASE WHEN v_new_state IN ('done', 'partial', 'failed')
                                       THEN coalesce(CASE WHEN v_new_state = v_state THEN completed_at END, now())
                                       WHEN v_new_state = 'processing' THEN NULL
                                       ELSE completed_at END,
               updated_at       = now()
         WHERE id = v_queue;
    END LOOP;

    RETURN NULL;
END
$$;

CREATE TRIGGER woo_sync_queue_line_state_change
    AFTER INSERT OR UPDATE ON public.woo_customer_sync_queue_line
    FOR EACH ROW EXECUTE FUNCTION public.update_woo_sync_queue_state();

-- The application role. The audit table is append-only for it.
GRANT SELECT, INSERT, UPDATE, DELETE ON public.woo_customer_sync_queue TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.woo_customer_sync_queue_line TO authenticated;
GRANT SELECT, INSERT ON public.woo_sync_activity TO authenticated;
