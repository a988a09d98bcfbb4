-- Baseline 20: a few dozen rows of deterministic data (fixed ids and timestamps,
-- no random()), so rehearsals start from a non-empty database that looks the same
-- on every load. Ids follow a per-table prefix: users 1…, customer 2…, suppliers 3…,
-- categories 4…, products 5…, warehouses 6…, price lists 7…, loyalty 8…,
-- purchase orders 9…, AI a…, odoo b…, woocommerce c…, core d…, spp e….

INSERT INTO public.users (id, email, display_name, role, is_active, last_login_at, created_at, updated_at) VALUES
    ('10000000-0000-4000-8000-000000000001', 'admin@mantis.example',    'Ada Admin',      'admin',   true,  '2025-11-05 08:12:00+00', '2025-01-10 09:00:00+00', '2025-11-05 08:12:00+00'),
    ('10000000-0000-4000-8000-000000000002', 'buyer@mantis.example',    'Ben Buyer',      'manager', true,  '2025-11-04 14:30:00+00', '2025-01-12 09:00:00+00', '2025-11-04 14:30:00+00'),
    ('10000000-0000-4000-8000-000000000003', 'clerk@mantis.example',    'Cara Clerk',     'staff',   true,  '2025-11-03 07:45:00+00', '2025-02-01 09:00:00+00', '2025-11-03 07:45:00+00'),
    ('10000000-0000-4000-8000-000000000004', 'analyst@mantis.example',  'Dan Analyst',    'viewer',  true,  NULL,                     '2025-03-15 09:00:00+00', '2025-03-15 09:00:00+00'),
    ('10000000-0000-4000-8000-000000000005', 'former@mantis.example',   'Eve Former',     'staff',   false, '2025-06-30 16:00:00+00', '2025-01-20 09:00:00+00', '2025-07-01 09:00:00+00');

INSERT INTO public.customer (id, code, name, email, phone, company, segment, status, lifetime_value, tags, created_at, updated_at)
SELECT format('20000000-0000-4000-8000-%s', lpad(i::text, 12, '0'))::uuid,
       format('CUST-%s', lpad(i::text, 4, '0')),
       format('Customer %s', i),
       format('customer%s@shop.example', i),
       format('+27 21 555 %s', lpad(i::text, 4, '0')),
       CASE WHEN i % 4 = 0 THEN format('Company %s (Pty) Ltd', i) END,
       (ARRAY['retail', 'wholesale', 'vip', 'trade'])[1 + i % 4],
       CASE WHEN i % 11 = 0 THEN 'inactive' ELSE 'active' END,
       (i * 137.5)::numeric(14,2),
       CASE WHEN i % 3 = 0 THEN ARRAY['newsletter'] ELSE '{}'::text[] END,
       timestamptz '2025-02-01 10:00:00+00' + i * interval '3 days',
       timestamptz '2025-02-01 10:00:00+00' + i * interval '3 days'
  FROM generate_series(1, 24) AS i;

INSERT INTO public.suppliers (id, code, name, contact_email, country, lead_time_days, rating, created_at, updated_at) VALUES
    ('30000000-0000-4000-8000-000000000001', 'SUP-ACME', 'Acme Wholesale',    'orders@acme.example',    'ZA', 5,  4.50, '2025-01-05 08:00:00+00', '2025-01-05 08:00:00+00'),
    ('30000000-0000-4000-8000-000000000002', 'SUP-GLOB', 'Global Imports',    'sales@global.example',   'CN', 35, 3.80, '2025-01-06 08:00:00+00', '2025-01-06 08:00:00+00'),
    ('30000000-0000-4000-8000-000000000003', 'SUP-CAPE', 'Cape Distributors', 'hello@cape.example',     'ZA', 3,  4.90, '2025-01-07 08:00:00+00', '2025-01-07 08:00:00+00'),
    ('30000000-0000-4000-8000-000000000004', 'SUP-EURO', 'EuroParts GmbH',    'vertrieb@euro.example',  'DE', 21, 4.10, '2025-01-08 08:00:00+00', '2025-01-08 08:00:00+00');

INSERT INTO public.product_categories (id, name, slug, parent_id) VALUES
    ('40000000-0000-4000-8000-000000000001', 'Electronics', 'electronics', NULL),
    ('40000000-0000-4000-8000-000000000002', 'Cables',      'cables',      '40000000-0000-4000-8000-000000000001'),
    ('40000000-0000-4000-8000-000000000003', 'Home',        'home',        NULL),
    ('40000000-0000-4000-8000-000000000004', 'Garden',      'garden',      '40000000-0000-4000-8000-000000000003');

INSERT INTO public.products (id, sku, name, category_id, supplier_id, unit_price, cost_price, attributes, is_active, created_at, updated_at)
SELECT format('50000000-0000-4000-8000-%s', lpad(i::text, 12, '0'))::uuid,
       format('SKU-%s', lpad(i::text, 5, '0')),
       format('Product %s', i),
       format('40000000-0000-4000-8000-%s', lpad((1 + i % 4)::text, 12, '0'))::uuid,
       format('30000000-0000-4000-8000-%s', lpad((1 + i % 4)::text, 12, '0'))::uuid,
       (19.99 + i * 10)::numeric(12,2),
       (11.50 + i * 6)::numeric(12,2),
       jsonb_build_object('weight_kg', i * 0.25, 'colour', (ARRAY['black', 'white', 'red'])[1 + i % 3]),
       i <> 20,
       timestamptz '2025-01-15 12:00:00+00' + i * interval '1 day',
       timestamptz '2025-01-15 12:00:00+00' + i * interval '1 day'
  FROM generate_series(1, 20) AS i;

INSERT INTO public.warehouses (id, code, name, city) VALUES
    ('60000000-0000-4000-8000-000000000001', 'CPT', 'Cape Town DC',    'Cape Town'),
    ('60000000-0000-4000-8000-000000000002', 'JHB', 'Johannesburg DC', 'Johannesburg');

INSERT INTO public.inventory (product_id, warehouse_id, quantity_on_hand, quantity_reserved, reorder_point, updated_at)
SELECT p.id, w.id,
       (p.n * 7 + w.n * 13) % 90,
       (p.n + w.n) % 5,
       10,
       timestamptz '2025-11-01 06:00:00+00'
  FROM (SELECT i AS n, format('50000000-0000-4000-8000-%s', lpad(i::text, 12, '0'))::uuid AS id
          FROM generate_series(1, 20) AS i) AS p
 CROSS JOIN (SELECT i AS n, format('60000000-0000-4000-8000-%s', lpad(i::text, 12, '0'))::uuid AS id
               FROM generate_series(1, 2) AS i) AS w;

INSERT INTO public.stock_movements (product_id, warehouse_id, movement_type, quantity, reference, created_by, created_at)
SELECT format('50000000-0000-4000-8000-%s', lpad((1 + i % 20)::text, 12, '0'))::uuid,
       format('60000000-0000-4000-8000-%s', lpad((1 + i % 2)::text, 12, '0'))::uuid,
       (ARRAY['receipt', 'sale', 'adjustment', 'sale', 'return'])[1 + i % 5],
       CASE WHEN i % 5 IN (1, 3) THEN -(1 + i % 4) ELSE 5 + i % 10 END,
       format('REF-%s', lpad(i::text, 6, '0')),
       '10000000-0000-4000-8000-000000000003',
       timestamptz '2025-10-01 08:00:00+00' + i * interval '7 hours'
  FROM generate_series(1, 30) AS i;

INSERT INTO public.price_lists (id, name, currency, valid_from, valid_to, is_default) VALUES
    ('70000000-0000-4000-8000-000000000001', 'Retail 2025',    'ZAR', '2025-01-01', '2025-12-31', true),
    ('70000000-0000-4000-8000-000000000002', 'Wholesale 2025', 'ZAR', '2025-01-01', NULL,         false);

INSERT INTO public.price_list_items (price_list_id, product_id, price, min_quantity)
SELECT pl.id, p.id, round(p.unit_price * pl.factor, 2), pl.min_qty
  FROM public.products p
 CROSS JOIN (VALUES ('70000000-0000-4000-8000-000000000001'::uuid, 1.00, 1),
                    ('70000000-0000-4000-8000-000000000002'::uuid, 0.85, 10)) AS pl(id, factor, min_qty)
 WHERE p.is_active;

INSERT INTO public.loyalty_programs (id, name, points_per_currency, created_at) VALUES
    ('80000000-0000-4000-8000-000000000001', 'Mantis Rewards', 1.00, '2025-01-01 00:00:00+00');

INSERT INTO public.customer_loyalty (id, customer_id, program_id, points_balance, tier, enrolled_at)
SELECT format('81000000-0000-4000-8000-%s', lpad(i::text, 12, '0'))::uuid,
       format('20000000-0000-4000-8000-%s', lpad(i::text, 12, '0'))::uuid,
       '80000000-0000-4000-8000-000000000001',
       i * 120,
       (ARRAY['bronze', 'silver', 'gold', 'platinum'])[1 + i % 4],
       timestamptz '2025-03-01 00:00:00+00' + i * interval '2 days'
  FROM generate_series(1, 12) AS i;

INSERT INTO public.loyalty_transactions (customer_loyalty_id, points, reason, created_at)
SELECT format('81000000-0000-4000-8000-%s', lpad((1 + i % 12)::text, 12, '0'))::uuid,
       CASE WHEN i % 6 = 0 THEN -50 ELSE 20 + i END,
       CASE WHEN i % 6 = 0 THEN 'redemption' ELSE 'purchase' END,
       timestamptz '2025-04-01 12:00:00+00' + i * interval '1 day'
  FROM generate_series(1, 24) AS i;

INSERT INTO public.purchase_orders (id, po_number, supplier_id, status, order_date, expected_date, total_amount, created_by, created_at, updated_at) VALUES
    ('90000000-0000-4000-8000-000000000001', 'PO-2025-0001', '30000000-0000-4000-8000-000000000001', 'received',  '2025-09-01', '2025-09-06', 0, '10000000-0000-4000-8000-000000000002', '2025-09-01 09:00:00+00', '2025-09-06 15:00:00+00'),
    ('90000000-0000-4000-8000-000000000002', 'PO-2025-0002', '30000000-0000-4000-8000-000000000002', 'confirmed', '2025-10-10', '2025-11-14', 0, '10000000-0000-4000-8000-000000000002', '2025-10-10 09:00:00+00', '2025-10-12 11:00:00+00'),
    ('90000000-0000-4000-8000-000000000003', 'PO-2025-0003', '30000000-0000-4000-8000-000000000003', 'sent',      '2025-11-01', '2025-11-04', 0, '10000000-0000-4000-8000-000000000001', '2025-11-01 09:00:00+00', '2025-11-01 09:30:00+00'),
    ('90000000-0000-4000-8000-000000000004', 'PO-2025-0004', '30000000-0000-4000-8000-000000000004', 'draft',     '2025-11-05', NULL,         0, '10000000-0000-4000-8000-000000000002', '2025-11-05 09:00:00+00', '2025-11-05 09:00:00+00');

INSERT INTO public.purchase_order_items (id, purchase_order_id, product_id, quantity, unit_cost, received_quantity)
SELECT format('91000000-0000-4000-8000-%s', lpad(i::text, 12, '0'))::uuid,
       format('90000000-0000-4000-8000-%s', lpad((1 + i % 4)::text, 12, '0'))::uuid,
       format('50000000-0000-4000-8000-%s', lpad(i::text, 12, '0'))::uuid,
       10 * (1 + i % 3),
       (11.50 + i * 6)::numeric(12,2),
       CASE WHEN 1 + i % 4 = 1 THEN 10 * (1 + i % 3) ELSE 0 END
  FROM generate_series(1, 12) AS i;

UPDATE public.purchase_orders po
   SET total_amount = s.total
  FROM (SELECT purchase_order_id, sum(quantity * unit_cost) AS total
          FROM public.purchase_order_items GROUP BY purchase_order_id) AS s
 WHERE s.purchase_order_id = po.id;

INSERT INTO public.analytics_daily_sales (sales_date, product_id, units_sold, revenue)
SELECT date '2025-10-25' + d,
       format('50000000-0000-4000-8000-%s', lpad(p::text, 12, '0'))::uuid,
       (p * 3 + d * 5) % 17,
       ((p * 3 + d * 5) % 17) * (19.99 + p * 10)
  FROM generate_series(0, 6) AS d
 CROSS JOIN generate_series(1, 5) AS p;

INSERT INTO public.ai_predictions (id, model_name, entity_type, entity_id, prediction, confidence, created_at)
SELECT format('a0000000-0000-4000-8000-%s', lpad(i::text, 12, '0'))::uuid,
       'demand-forecast-v3',
       'product',
       format('50000000-0000-4000-8000-%s', lpad(i::text, 12, '0'))::uuid,
       jsonb_build_object('next_30_days_units', 40 + i * 3, 'stockout_risk', CASE WHEN i % 4 = 0 THEN 'high' ELSE 'low' END),
       (0.6 + i * 0.03)::numeric(5,4),
       timestamptz '2025-11-01 02:00:00+00'
  FROM generate_series(1, 10) AS i;

INSERT INTO public.odoo_sync (id, entity_type, entity_id, odoo_id, sync_status, last_synced_at, error_message, created_at)
SELECT format('b0000000-0000-4000-8000-%s', lpad(i::text, 12, '0'))::uuid,
       'product',
       format('50000000-0000-4000-8000-%s', lpad(i::text, 12, '0'))::uuid,
       CASE WHEN i % 5 = 0 THEN NULL ELSE 7000 + i END,
       CASE WHEN i % 5 = 0 THEN 'failed' ELSE 'synced' END,
       CASE WHEN i % 5 = 0 THEN NULL ELSE timestamptz '2025-11-02 03:00:00+00' END,
       CASE WHEN i % 5 = 0 THEN 'Odoo RPC timeout' END,
       timestamptz '2025-10-01 03:00:00+00'
  FROM generate_series(1, 10) AS i;

INSERT INTO public.woocommerce_sync (id, entity_type, entity_id, woo_id, sync_status, payload, last_synced_at, error_message, created_at)
SELECT format('c0000000-0000-4000-8000-%s', lpad(i::text, 12, '0'))::uuid,
       'customer',
       format('20000000-0000-4000-8000-%s', lpad(i::text, 12, '0'))::uuid,
       CASE WHEN i % 4 = 0 THEN NULL ELSE 1000 + i END,
       CASE WHEN i % 4 = 0 THEN 'pending' ELSE 'synced' END,
       jsonb_build_object('email', format('customer%s@shop.example', i)),
       CASE WHEN i % 4 = 0 THEN NULL ELSE timestamptz '2025-11-03 04:00:00+00' END,
       NULL,
       timestamptz '2025-10-15 04:00:00+00'
  FROM generate_series(1, 12) AS i;

INSERT INTO core.supplier_product (id, supplier_id, supplier_sku, product_id, name, first_seen_at)
SELECT format('d0000000-0000-4000-8000-%s', lpad(i::text, 12, '0'))::uuid,
       format('30000000-0000-4000-8000-%s', lpad((1 + i % 4)::text, 12, '0'))::uuid,
       format('VND-%s', lpad(i::text, 4, '0')),
       format('50000000-0000-4000-8000-%s', lpad(i::text, 12, '0'))::uuid,
       format('Vendor item %s', i),
       timestamptz '2025-01-20 00:00:00+00'
  FROM generate_series(1, 8) AS i;

INSERT INTO core.price_history (supplier_product_id, price, valid_from, valid_to)
SELECT sp.id, (11.50 + sp.n * 6 + v.bump)::numeric(12,2), v.valid_from, v.valid_to
  FROM (SELECT i AS n, format('d0000000-0000-4000-8000-%s', lpad(i::text, 12, '0'))::uuid AS id
          FROM generate_series(1, 8) AS i) AS sp
 CROSS JOIN (VALUES (0.00, date '2025-01-20', date '2025-06-30'),
                    (1.25, date '2025-07-01', NULL::date)) AS v(bump, valid_from, valid_to);

INSERT INTO spp.pricelist_upload (id, supplier_id, filename, status, row_count, uploaded_by, uploaded_at) VALUES
    ('e0000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000001', 'acme-2025-10.xlsx',   'merged',    3, '10000000-0000-4000-8000-000000000002', '2025-10-02 10:00:00+00'),
    ('e0000000-0000-4000-8000-000000000002', '30000000-0000-4000-8000-000000000002', 'global-2025-11.csv',  'validated', 3, '10000000-0000-4000-8000-000000000002', '2025-11-02 10:00:00+00');

INSERT INTO spp.pricelist_row (upload_id, row_num, supplier_sku, description, price)
SELECT u.id, r, format('VND-%s', lpad((u.n * 3 + r)::text, 4, '0')), format('Row %s of upload %s', r, u.n), (10 + r * 2.5)::numeric(12,2)
  FROM (VALUES (1, 'e0000000-0000-4000-8000-000000000001'::uuid),
               (2, 'e0000000-0000-4000-8000-000000000002'::uuid)) AS u(n, id)
 CROSS JOIN generate_series(1, 3) AS r;
