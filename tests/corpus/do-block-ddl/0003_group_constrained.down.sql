DROP INDEX idx_channels_group_constrained;
ALTER TABLE channels DROP COLUMN IF EXISTS groupconstrained;
