DROP VIEW index_sizes;
DROP INDEX items_code_idx;
