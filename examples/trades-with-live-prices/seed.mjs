// Creates the PostgreSQL table `prices` (or the name given): one row per stock symbol with its last monthly
// closing price from examples/data/stocks.csv, keyed by symbol.
//
//   node examples/trades-with-live-prices/seed.mjs [table] [connection string]
//   defaults: prices postgresql://ferris:ferris@127.0.0.1:15432/ferris
import { readFileSync } from 'node:fs'
import pg from 'pg'

const table = process.argv[2] ?? 'prices'
const uri = process.argv[3] ?? 'postgresql://ferris:ferris@127.0.0.1:15432/ferris'
const last = new Map()
for (const line of readFileSync(new URL('../data/stocks.csv', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .slice(1)) {
  const [symbol, , price] = line.split(',') // symbol,date,price in date order: the last row of a symbol wins
  last.set(symbol, price)
}

const client = new pg.Client({ connectionString: uri })
await client.connect()
const t = client.escapeIdentifier(table)
await client.query(`DROP TABLE IF EXISTS ${t}`)
await client.query(`CREATE TABLE ${t} (symbol text PRIMARY KEY, price numeric(10, 2) NOT NULL)`)
await client.query(`INSERT INTO ${t} (symbol, price) SELECT * FROM unnest($1::text[], $2::numeric[])`, [
  [...last.keys()],
  [...last.values()],
])
await client.end()
console.log(`${last.size} prices loaded into ${table}: ${[...last].map(([s, p]) => `${s} ${p}`).join(', ')}`)
