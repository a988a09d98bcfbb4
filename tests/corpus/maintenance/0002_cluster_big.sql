CLUSTER big USING big_v_idx;
ANALYZE big;
