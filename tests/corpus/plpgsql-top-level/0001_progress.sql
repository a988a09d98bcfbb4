CREATE TABLE sync_progress (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), done int NOT NULL DEFAULT 0);

RAISE NOTICE 'sync_progress created';
