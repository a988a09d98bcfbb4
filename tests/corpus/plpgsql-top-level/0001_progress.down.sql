DROP TABLE sync_progress;
