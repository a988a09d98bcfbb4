VACUUM (ANALYZE) channels;
