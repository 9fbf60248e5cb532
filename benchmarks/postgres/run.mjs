// PostgreSQL sink throughput: the same rows written by raw `pg` and by @ferris/connector-postgres's sink doing
// the same statements (appends: COPY per batch; upserts: multi-row INSERT ... ON CONFLICT), on the same server in
// the same run, plus a plain multi-row INSERT for comparison. Build first:
//   npx nx run-many -t build --projects=core,connector-postgres
// and start the server with tools/services/postgres/start.
import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import { plugin } from '@ferris/connector-postgres/plugin'
import { connectorOptions, Decimal, noopMetrics, parseConnectionString, Schema, silentLogger, T } from '@ferris/core'
import pg from 'pg'
import copyStreams from 'pg-copy-streams'

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '1000' },
    statement: { type: 'string', default: '10000' },
    commit: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '3' },
    url: { type: 'string', default: process.env.FERRIS_PG_URL ?? 'postgresql://ferris:ferris@127.0.0.1:15432/ferris' },
  },
})
const N = Number(args.rows)
// BATCH: rows per batch the job hands the sink; STATEMENT: rows per COPY or INSERT, the same for both clients.
const BATCH = Number(args.batch)
const STATEMENT = Number(args.statement)
const COMMIT_EVERY = Number(args.commit)
const RUNS = Number(args.runs)
const URL = args.url

const admin = new pg.Client({ connectionString: URL })
await admin.connect().catch((e) => {
  console.error(
    `PostgreSQL at ${URL.replace(/:[^:@/]*@/, ':***@')} does not answer (${e.message}): start it with tools/services/postgres/start`,
  )
  process.exit(1)
})
const DDL = 'id bigint PRIMARY KEY, user_id integer, amount numeric(12, 2), name text, at timestamptz(6), flag boolean'
const tables = []
async function table(tag) {
  const name = `bench_${tag}_${randomBytes(3).toString('hex')}`
  await admin.query(`CREATE UNLOGGED TABLE "${name}" (${DDL})`)
  tables.push(name)
  return name
}

// The same rows for both sides, as the typed values a job holds (BIGINT as bigint, DECIMAL as Decimal, TIMESTAMP
// as epoch nanoseconds): the sink receives them as they are, and the raw client turns them into the text it
// sends inside its timed section, as any program holding these values must.
const BASE = 1_733_000_000_000_000_000n
const schema = Schema.of(
  ['id', T.int64, false],
  ['user_id', T.int32],
  ['amount', T.decimal(12, 2)],
  ['name', T.string],
  ['at', T.timestamp('us', 'UTC')],
  ['flag', T.boolean],
)
const ferrisRows = []
for (let i = 0; i < N; i++) {
  const cents = BigInt((i * 7919) % 1_000_000)
  const at = BASE + BigInt(i) * 1_000_000n
  ferrisRows.push([BigInt(i), i % 5000, new Decimal(cents, 2), `user ${i % 977} "q"`, at, i % 3 === 0])
}

/** The raw client's own conversion of a typed row to the text PostgreSQL parses (exact: microseconds kept). */
function toText(row) {
  const micros = row[4] / 1000n
  return [
    String(row[0]),
    String(row[1]),
    row[2].toString(),
    row[3],
    `${new Date(Number(micros / 1000n)).toISOString().slice(0, 19)}.${String(micros % 1_000_000n).padStart(6, '0')}Z`,
    row[5] ? 't' : 'f',
  ]
}

const COLUMNS = ['id', 'user_id', 'amount', 'name', 'at', 'flag']
const UPSERT = ` ON CONFLICT ("id") DO UPDATE SET ${COLUMNS.slice(1)
  .map((c) => `"${c}"=EXCLUDED."${c}"`)
  .join(',')}`

function insertText(name, rows, upsert) {
  const values = []
  let p = 1
  for (let r = 0; r < rows; r++) values.push(`($${p++},$${p++},$${p++},$${p++},$${p++},$${p++})`)
  return `INSERT INTO "${name}" (${COLUMNS.map((c) => `"${c}"`).join(',')}) VALUES ${values.join(',')}${upsert ? UPSERT : ''}`
}

const rawInsert = () => rawStatements(false)
const rawUpsert = () => rawStatements(true)

async function rawStatements(upsert) {
  const name = await table(upsert ? 'rawup' : 'raw')
  const client = new pg.Client({ connectionString: URL })
  await client.connect()
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  const full = insertText(name, STATEMENT, upsert)
  for (let c = 0; c < N; c += COMMIT_EVERY) {
    await client.query('BEGIN')
    for (let i = c; i < Math.min(N, c + COMMIT_EVERY); i += STATEMENT) {
      const part = ferrisRows.slice(i, Math.min(i + STATEMENT, c + COMMIT_EVERY, N)).map(toText)
      await client.query(part.length === STATEMENT ? full : insertText(name, part.length, upsert), part.flat())
    }
    await client.query('COMMIT')
  }
  const s = (performance.now() - t0) / 1000
  const used = process.cpuUsage(cpu0)
  const cpu = (used.user + used.system) / 1e6
  await client.end()
  return { name, s, cpu }
}

function copyLine(row) {
  return `${row.map((v) => v.replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('\n', '\\n')).join('\t')}\n`
}

async function rawCopy() {
  const name = await table('copy')
  const client = new pg.Client({ connectionString: URL })
  await client.connect()
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  for (let c = 0; c < N; c += COMMIT_EVERY) {
    await client.query('BEGIN')
    const end = Math.min(N, c + COMMIT_EVERY)
    // One COPY per STATEMENT rows, as the sink sends them.
    for (let i = c; i < end; i += STATEMENT) {
      const text = ferrisRows
        .slice(i, Math.min(i + STATEMENT, end))
        .map((row) => copyLine(toText(row)))
        .join('')
      await pipeline(Readable.from([text]), client.query(copyStreams.from(`COPY "${name}" FROM STDIN`)))
    }
    await client.query('COMMIT')
  }
  const s = (performance.now() - t0) / 1000
  const used = process.cpuUsage(cpu0)
  const cpu = (used.user + used.system) / 1e6
  await client.end()
  return { name, s, cpu }
}

const ferrisAppend = () => ferrisSink(false)
const ferrisUpsert = () => ferrisSink(true)

async function ferrisSink(upsert) {
  const name = await table(upsert ? 'ferrisup' : 'ferris')
  const connector = plugin.connectors[0]
  const options = connectorOptions(connector.options)
    .merge(connector.fromConnectionString(parseConnectionString(URL)))
    .merge({ table: name, batch_size: String(STATEMENT), ...(upsert ? { key: 'id' } : {}) })
    .build('bench')
  const context = {
    name: 'bench',
    logger: silentLogger,
    metrics: noopMetrics,
    signal: new AbortController().signal,
    cwd: process.cwd(),
    reportBadRecord: (r) => {
      throw r.error
    },
  }
  const sink = connector.createSink(options, context)
  await sink.open()
  await sink.validateSchema(schema)
  const writer = await sink.createWriter({ schema, jobId: 'bench' })
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  let checkpoint = 0
  for (let c = 0; c < N; c += COMMIT_EVERY) {
    // The job hands the sink batches of BATCH rows and commits every COMMIT_EVERY rows.
    for (let i = c; i < Math.min(N, c + COMMIT_EVERY); i += BATCH) {
      await writer.write({ schema, rows: ferrisRows.slice(i, Math.min(i + BATCH, c + COMMIT_EVERY, N)) })
    }
    await writer.commit({ checkpointId: ++checkpoint, positions: {} })
  }
  const s = (performance.now() - t0) / 1000
  const used = process.cpuUsage(cpu0)
  const cpu = (used.user + used.system) / 1e6
  await writer.close()
  await sink.close()
  return { name, s, cpu }
}

const LINES = [
  ['raw pg: COPY', rawCopy],
  ['ferris sink: append (COPY)', ferrisAppend],
  ['raw pg: INSERT ON CONFLICT', rawUpsert],
  ['ferris sink: upsert (key=id)', ferrisUpsert],
  ['raw pg: multi-row INSERT', rawInsert],
]
const best = Object.fromEntries(LINES.map(([label]) => [label, Infinity]))
const bestCpu = Object.fromEntries(LINES.map(([label]) => [label, Infinity]))
const checked = []
try {
  for (let run = 0; run < RUNS; run++) {
    // Interleaved so that load from other work on the machine hits every line alike.
    for (const [label, fn] of LINES) {
      const { name, s, cpu } = await fn()
      best[label] = Math.min(best[label], s)
      bestCpu[label] = Math.min(bestCpu[label], cpu)
      checked.push(name)
    }
  }
  // Every table holds the same rows: same count and the same content hash.
  const sums = new Set()
  for (const name of checked) {
    const r = await admin.query(
      `SELECT count(*) AS n, md5(string_agg(id::text || user_id || amount || name || at || flag, ',' ORDER BY id)) AS h FROM "${name}"`,
    )
    if (Number(r.rows[0].n) !== N) throw new Error(`${name} holds ${r.rows[0].n} rows, expected ${N}`)
    sums.add(r.rows[0].h)
  }
  if (sums.size !== 1) throw new Error(`the tables differ in content: ${[...sums].join(', ')}`)
  console.log(
    `${N.toLocaleString('en')} rows of 6 columns, batches of ${BATCH}, ${STATEMENT} rows per statement, a commit every ${COMMIT_EVERY}; best of ${RUNS}`,
  )
  for (const [label, s] of Object.entries(best)) {
    console.log(
      `${label.padEnd(30)} ${s.toFixed(2).padStart(6)} s ${Math.round(N / s)
        .toLocaleString('en')
        .padStart(10)} rows/s   client CPU ${bestCpu[label].toFixed(2).padStart(5)} s`,
    )
  }
  // Wall time includes the server's work and, on a shared machine, everyone else's.
  const ratio = (a, b) => (best[a] / best[b]).toFixed(3)
  console.log(
    `append: ferris sink / raw COPY:                     ${ratio('ferris sink: append (COPY)', 'raw pg: COPY')} (target at most 1.15)`,
  )
  console.log(
    `upsert: ferris sink / raw INSERT ON CONFLICT:        ${ratio('ferris sink: upsert (key=id)', 'raw pg: INSERT ON CONFLICT')} (target at most 1.15)`,
  )
} finally {
  for (const name of tables) await admin.query(`DROP TABLE IF EXISTS "${name}"`)
  await admin.end()
}
