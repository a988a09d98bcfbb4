CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW IS DISTINCT FROM OLD THEN
        NEW.updated_at := now();
        INSERT INTO change_log (tbl, at) VALUES (TG_TABLE_NAME, NEW.updated_at);
    END IF;
    RETURN NEW;
END
$$;
