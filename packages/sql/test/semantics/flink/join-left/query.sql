-- LEFT join of a bounded stream (orders) with a table (customers): duplicate keys (20), NULL keys on both sides
-- (never match), an order without customer (30) and a customer without order (40). Ferris reads customers first
-- as its lookup table; Flink joins two bounded streams, retracting padded rows when a match arrives; the rows
-- left at the end must be the same.
SELECT o.id, o.amount, c.id AS cid, c.name
FROM orders o LEFT JOIN customers c ON o.cust = c.id
WITH (
  'orders.type' = 'file_source', 'orders.path' = './orders.csv', 'orders.format' = 'csv_no_header',
  'orders.schema' = 'id BIGINT, cust INT, amount DECIMAL(10, 2)', 'orders.batch_size' = '2',
  'customers.type' = 'file_source', 'customers.path' = './customers.csv', 'customers.format' = 'csv_no_header',
  'customers.schema' = 'id BIGINT, name STRING'
)
