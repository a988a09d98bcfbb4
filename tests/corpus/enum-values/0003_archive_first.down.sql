UPDATE article SET status = 'draft' WHERE status = 'archived';
