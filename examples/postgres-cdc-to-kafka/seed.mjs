// Creates the PostgreSQL table `stocks` (or the name given) and fills it with the monthly closing prices of
// examples/data/stocks.csv (Yahoo! Finance, 2000-2010). Prices are exact numeric(10,2); dates become DATE.
//
//   node examples/postgres-cdc-to-kafka/seed.mjs [table] [connection string]
//   defaults: stocks postgresql://ferris:ferris@127.0.0.1:15432/ferris
import { readFileSync } from 'node:fs'
import pg from 'pg'

const table = process.argv[2] ?? 'stocks'
const uri = process.argv[3] ?? 'postgresql://ferris:ferris@127.0.0.1:15432/ferris'
const lines = readFileSync(new URL('../data/stocks.csv', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
const rows = lines.map((line) => line.split(',')) // symbol,date,price: no quoted fields in this file

const client = new pg.Client({ connectionString: uri })
await client.connect()
const t = client.escapeIdentifier(table)
await client.query(`DROP TABLE IF EXISTS ${t}`)
await client.query(`CREATE TABLE ${t} (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  symbol text NOT NULL,
  day date NOT NULL,
  price numeric(10, 2) NOT NULL
)`)
// One INSERT with unnest: the whole file in one statement; to_date reads "Jan 1 2000".
await client.query(
  `INSERT INTO ${t} (symbol, day, price)
   SELECT s, to_date(d, 'Mon DD YYYY'), p::numeric FROM unnest($1::text[], $2::text[], $3::text[]) AS r(s, d, p)`,
  [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
)
await client.end()
console.log(`${rows.length} prices loaded into ${table}`)
