DO
$$
BEGIN
  IF NOT EXISTS (SELECT * FROM pg_type typ
                   INNER JOIN pg_namespace nsp ON nsp.oid = typ.typnamespace
                 WHERE nsp.nspname = current_schema()
                   AND typ.typname = 'channel_type') THEN
    CREATE TYPE channel_type AS ENUM ('P', 'G', 'O', 'D');
  END IF;
END;
$$
LANGUAGE plpgsql;

ALTER TABLE channels ALTER COLUMN type DROP DEFAULT;
ALTER TABLE channels ALTER COLUMN type TYPE channel_type USING type::channel_type;
ALTER TABLE channels ALTER COLUMN type SET DEFAULT 'O';
