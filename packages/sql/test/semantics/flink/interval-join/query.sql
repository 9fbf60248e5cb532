-- Stream-to-stream INNER join bounded by time: a payment matches an order with its id within the hour after it,
-- both ends inclusive (3: exactly one hour; 1: at the same instant), before 1970 too (6); 1 at 61 minutes and 2
-- five minutes before its order do not match, NULL keys never match.
SELECT o.id, p.paid, p.t AS paid_at
FROM orders o JOIN payments p ON o.id = p.order_id AND p.t BETWEEN o.t AND o.t + INTERVAL '1' HOUR
WITH (
  'orders.type' = 'file_source', 'orders.path' = './orders.csv', 'orders.format' = 'csv_no_header',
  'orders.schema' = 'id BIGINT, t TIMESTAMP(3)', 'orders.watermark.delay' = '1d',
  'payments.type' = 'file_source', 'payments.path' = './payments.csv', 'payments.format' = 'csv_no_header',
  'payments.schema' = 'order_id BIGINT, t TIMESTAMP(3), paid INT', 'payments.watermark.delay' = '1d'
)
