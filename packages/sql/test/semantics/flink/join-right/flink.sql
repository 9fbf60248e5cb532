CREATE TABLE orders (id BIGINT, cust INT, amount DECIMAL(10, 2)) WITH (
  'connector' = 'filesystem', 'path' = '${CASE_DIR}/orders.csv', 'format' = 'csv', 'csv.null-literal' = ''
);
CREATE TABLE customers (id BIGINT, name STRING) WITH (
  'connector' = 'filesystem', 'path' = '${CASE_DIR}/customers.csv', 'format' = 'csv', 'csv.null-literal' = ''
);
SELECT o.id, o.amount, c.id AS cid, c.name
FROM orders o RIGHT JOIN customers c ON o.cust = c.id;
