UPDATE article SET status = 'archived' WHERE id = 1;
