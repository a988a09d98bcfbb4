-- CLUSTER; changed no definition: re-cluster big on the index 0002 chose.
CLUSTER big;
