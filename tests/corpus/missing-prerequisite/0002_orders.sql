CREATE TABLE orders (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token text NOT NULL DEFAULT encode(gen_random_bytes(16), 'hex'),
    customer_id int NOT NULL REFERENCES customers (id),
    placed_at timestamptz NOT NULL DEFAULT now()
);
