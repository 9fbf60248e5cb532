CREATE TABLE orders (id BIGINT, t TIMESTAMP(3), WATERMARK FOR t AS t - INTERVAL '1' DAY) WITH (
  'connector' = 'filesystem', 'path' = '${CASE_DIR}/orders.csv', 'format' = 'csv', 'csv.null-literal' = ''
);
CREATE TABLE payments (order_id BIGINT, t TIMESTAMP(3), paid INT, WATERMARK FOR t AS t - INTERVAL '1' DAY) WITH (
  'connector' = 'filesystem', 'path' = '${CASE_DIR}/payments.csv', 'format' = 'csv', 'csv.null-literal' = ''
);
SELECT o.id, p.paid, CAST(p.t AS TIMESTAMP(3)) AS paid_at
FROM orders o JOIN payments p ON o.id = p.order_id AND p.t BETWEEN o.t AND o.t + INTERVAL '1' HOUR;
