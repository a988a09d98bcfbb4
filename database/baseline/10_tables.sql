-- Baseline 10: operational tables, keys, indexes and triggers as they stood in
-- production before the remediation (a representative 20 of the ~55 public tables,
-- plus the core, serve and spp tables the app reads).
-- users and customer are referenced by migration 0023 (created_by, result_customer_id).

-- ---------------------------------------------------------------- people
CREATE TABLE public.users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email         varchar(255) NOT NULL UNIQUE,
    display_name  varchar(255),
    role          varchar(50) NOT NULL DEFAULT 'staff'
                  CHECK (role IN ('admin', 'manager', 'staff', 'viewer')),
    is_active     boolean NOT NULL DEFAULT true,
    last_login_at timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.customer (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code           varchar(50) NOT NULL UNIQUE,
    name           varchar(255) NOT NULL,
    email          varchar(255),
    phone          varchar(50),
    company        varchar(255),
    segment        varchar(50) NOT NULL DEFAULT 'retail'
                   CHECK (segment IN ('retail', 'wholesale', 'vip', 'trade')),
    status         varchar(20) NOT NULL DEFAULT 'active'
                   CHECK (status IN ('active', 'inactive', 'blocked')),
    lifetime_value numeric(14,2) NOT NULL DEFAULT 0,
    tags           text[] NOT NULL DEFAULT '{}',
    metadata       jsonb NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_customer_email ON public.customer (lower(email));
CREATE INDEX idx_customer_segment_status ON public.customer (segment, status);

-- ---------------------------------------------------------------- catalogue
CREATE TABLE public.suppliers (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code           varchar(50) NOT NULL UNIQUE,
    name           varchar(255) NOT NULL,
    contact_email  varchar(255),
    phone          varchar(50),
    country        char(2) NOT NULL DEFAULT 'ZA',
    lead_time_days integer NOT NULL DEFAULT 7 CHECK (lead_time_days >= 0),
    rating         numeric(3,2) CHECK (rating BETWEEN 0 AND 5),
    is_active      boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.product_categories (
    id        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name      varchar(255) NOT NULL,
    slug      varchar(255) NOT NULL UNIQUE,
    parent_id uuid REFERENCES public.product_categories (id) ON DELETE SET NULL
);

CREATE TABLE public.products (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    sku         varchar(100) NOT NULL UNIQUE,
    name        varchar(255) NOT NULL,
    description text,
    category_id uuid REFERENCES public.product_categories (id) ON DELETE SET NULL,
    supplier_id uuid REFERENCES public.suppliers (id) ON DELETE RESTRICT,
    unit_price  numeric(12,2) NOT NULL CHECK (unit_price >= 0),
    cost_price  numeric(12,2) CHECK (cost_price >= 0),
    barcode     varchar(50),
    attributes  jsonb NOT NULL DEFAULT '{}',
    is_active   boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_products_category ON public.products (category_id);
CREATE INDEX idx_products_supplier ON public.products (supplier_id);
CREATE INDEX idx_products_active_name ON public.products (name) WHERE is_active;

-- ---------------------------------------------------------------- inventory
CREATE TABLE public.warehouses (
    id        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code      varchar(20) NOT NULL UNIQUE,
    name      varchar(255) NOT NULL,
    city      varchar(100),
    is_active boolean NOT NULL DEFAULT true
);

CREATE TABLE public.inventory (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    product_id        uuid NOT NULL REFERENCES public.products (id) ON DELETE CASCADE,
    warehouse_id      uuid NOT NULL REFERENCES public.warehouses (id) ON DELETE CASCADE,
    quantity_on_hand  integer NOT NULL DEFAULT 0,
    quantity_reserved integer NOT NULL DEFAULT 0 CHECK (quantity_reserved >= 0),
    reorder_point     integer NOT NULL DEFAULT 0 CHECK (reorder_point >= 0),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (product_id, warehouse_id)
);
CREATE INDEX idx_inventory_warehouse ON public.inventory (warehouse_id);

CREATE TABLE public.stock_movements (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id    uuid NOT NULL REFERENCES public.products (id) ON DELETE CASCADE,
    warehouse_id  uuid NOT NULL REFERENCES public.warehouses (id) ON DELETE CASCADE,
    movement_type varchar(20) NOT NULL
                  CHECK (movement_type IN ('receipt', 'sale', 'adjustment', 'transfer', 'return')),
    quantity      integer NOT NULL,
    reference     varchar(100),
    created_by    uuid REFERENCES public.users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_stock_movements_product_created ON public.stock_movements (product_id, created_at DESC);

-- ---------------------------------------------------------------- pricing
CREATE TABLE public.price_lists (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       varchar(255) NOT NULL UNIQUE,
    currency   char(3) NOT NULL DEFAULT 'ZAR',
    valid_from date NOT NULL,
    valid_to   date,
    is_default boolean NOT NULL DEFAULT false,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);

CREATE TABLE public.price_list_items (
    price_list_id uuid NOT NULL REFERENCES public.price_lists (id) ON DELETE CASCADE,
    product_id    uuid NOT NULL REFERENCES public.products (id) ON DELETE CASCADE,
    price         numeric(12,2) NOT NULL CHECK (price >= 0),
    min_quantity  integer NOT NULL DEFAULT 1 CHECK (min_quantity >= 1),
    PRIMARY KEY (price_list_id, product_id, min_quantity)
);

-- ---------------------------------------------------------------- loyalty
CREATE TABLE public.loyalty_programs (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name               varchar(255) NOT NULL UNIQUE,
    points_per_currency numeric(6,2) NOT NULL DEFAULT 1,
    is_active          boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.customer_loyalty (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id    uuid NOT NULL REFERENCES public.customer (id) ON DELETE CASCADE,
    program_id     uuid NOT NULL REFERENCES public.loyalty_programs (id) ON DELETE CASCADE,
    points_balance integer NOT NULL DEFAULT 0 CHECK (points_balance >= 0),
    tier           varchar(20) NOT NULL DEFAULT 'bronze'
                   CHECK (tier IN ('bronze', 'silver', 'gold', 'platinum')),
    enrolled_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (customer_id, program_id)
);

CREATE TABLE public.loyalty_transactions (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_loyalty_id uuid NOT NULL REFERENCES public.customer_loyalty (id) ON DELETE CASCADE,
    points              integer NOT NULL,
    reason              varchar(100) NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_loyalty_transactions_member ON public.loyalty_transactions (customer_loyalty_id, created_at DESC);

-- ---------------------------------------------------------------- purchasing
CREATE TABLE public.purchase_orders (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    po_number     varchar(50) NOT NULL UNIQUE,
    supplier_id   uuid NOT NULL REFERENCES public.suppliers (id) ON DELETE RESTRICT,
    status        varchar(20) NOT NULL DEFAULT 'draft'
                  CHECK (status IN ('draft', 'sent', 'confirmed', 'received', 'cancelled')),
    order_date    date NOT NULL,
    expected_date date,
    total_amount  numeric(14,2) NOT NULL DEFAULT 0,
    created_by    uuid REFERENCES public.users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_purchase_orders_supplier_status ON public.purchase_orders (supplier_id, status);

CREATE TABLE public.purchase_order_items (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    purchase_order_id uuid NOT NULL REFERENCES public.purchase_orders (id) ON DELETE CASCADE,
    product_id        uuid NOT NULL REFERENCES public.products (id) ON DELETE RESTRICT,
    quantity          integer NOT NULL CHECK (quantity > 0),
    unit_cost         numeric(12,2) NOT NULL CHECK (unit_cost >= 0),
    received_quantity integer NOT NULL DEFAULT 0 CHECK (received_quantity >= 0)
);
CREATE INDEX idx_purchase_order_items_po ON public.purchase_order_items (purchase_order_id);

-- ---------------------------------------------------------------- analytics and AI
CREATE TABLE public.analytics_daily_sales (
    sales_date date NOT NULL,
    product_id uuid NOT NULL REFERENCES public.products (id) ON DELETE CASCADE,
    units_sold integer NOT NULL DEFAULT 0,
    revenue    numeric(14,2) NOT NULL DEFAULT 0,
    PRIMARY KEY (sales_date, product_id)
);

CREATE TABLE public.ai_predictions (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    model_name  varchar(100) NOT NULL,
    entity_type varchar(50) NOT NULL,
    entity_id   uuid NOT NULL,
    prediction  jsonb NOT NULL,
    confidence  numeric(5,4) CHECK (confidence BETWEEN 0 AND 1),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_ai_predictions_entity ON public.ai_predictions (entity_type, entity_id, created_at DESC);

-- ---------------------------------------------------------------- integrations
CREATE TABLE public.odoo_sync (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    entity_type    varchar(50) NOT NULL,
    entity_id      uuid NOT NULL,
    odoo_id        integer,
    sync_status    varchar(20) NOT NULL DEFAULT 'pending'
                   CHECK (sync_status IN ('pending', 'synced', 'failed', 'skipped')),
    last_synced_at timestamptz,
    error_message  text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (entity_type, entity_id)
);

CREATE TABLE public.woocommerce_sync (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    entity_type    varchar(50) NOT NULL,
    entity_id      uuid NOT NULL,
    woo_id         bigint,
    sync_status    varchar(20) NOT NULL DEFAULT 'pending'
                   CHECK (sync_status IN ('pending', 'synced', 'failed', 'skipped')),
    payload        jsonb,
    last_synced_at timestamptz,
    error_message  text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (entity_type, entity_id)
);
CREATE INDEX idx_woocommerce_sync_status ON public.woocommerce_sync (sync_status) WHERE sync_status <> 'synced';

-- ---------------------------------------------------------------- core, serve, spp
CREATE TABLE core.supplier_product (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    supplier_id   uuid NOT NULL REFERENCES public.suppliers (id) ON DELETE CASCADE,
    supplier_sku  varchar(100) NOT NULL,
    product_id    uuid REFERENCES public.products (id) ON DELETE SET NULL,
    name          varchar(255) NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (supplier_id, supplier_sku)
);

CREATE TABLE core.price_history (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    supplier_product_id uuid NOT NULL REFERENCES core.supplier_product (id) ON DELETE CASCADE,
    price               numeric(12,2) NOT NULL CHECK (price >= 0),
    currency            char(3) NOT NULL DEFAULT 'ZAR',
    valid_from          date NOT NULL,
    valid_to            date
);
CREATE INDEX idx_price_history_product_from ON core.price_history (supplier_product_id, valid_from DESC);

CREATE TABLE spp.pricelist_upload (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    supplier_id uuid NOT NULL REFERENCES public.suppliers (id) ON DELETE CASCADE,
    filename    varchar(255) NOT NULL,
    status      varchar(20) NOT NULL DEFAULT 'received'
                CHECK (status IN ('received', 'validating', 'validated', 'merged', 'rejected')),
    row_count   integer NOT NULL DEFAULT 0,
    uploaded_by uuid REFERENCES public.users (id) ON DELETE SET NULL,
    uploaded_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE spp.pricelist_row (
    upload_id    uuid NOT NULL REFERENCES spp.pricelist_upload (id) ON DELETE CASCADE,
    row_num      integer NOT NULL,
    supplier_sku varchar(100) NOT NULL,
    description  text,
    price        numeric(12,2),
    PRIMARY KEY (upload_id, row_num)
);

CREATE VIEW serve.v_inventory_status AS
SELECT p.sku,
       p.name,
       w.code AS warehouse,
       i.quantity_on_hand,
       i.quantity_reserved,
       i.quantity_on_hand - i.quantity_reserved AS available,
       i.quantity_on_hand <= i.reorder_point AS needs_reorder
  FROM public.inventory i
  JOIN public.products p ON p.id = i.product_id
  JOIN public.warehouses w ON w.id = i.warehouse_id;

-- ---------------------------------------------------------------- triggers
CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON public.users
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
CREATE TRIGGER customer_set_updated_at BEFORE UPDATE ON public.customer
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
CREATE TRIGGER products_set_updated_at BEFORE UPDATE ON public.products
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
CREATE TRIGGER purchase_orders_set_updated_at BEFORE UPDATE ON public.purchase_orders
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
