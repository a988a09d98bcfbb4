-- VACUUM changes no definition; the inverse is to refresh the statistics again.
VACUUM (ANALYZE) big;
