CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    INSERT INTO change_log (tbl, at) VALUES (TG_TABLE_NAME, NEW.updated_at);
    RETURN NEW;
END
$$;
