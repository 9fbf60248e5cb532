// A minimal job for the SIGKILL test, resuming the way @ferris/sql's runner does: the source position comes
// from the job's own checkpoint file unless the sink stores positions (then from `committedPositions`), and
// checkpoint ids continue from the job's checkpoint file. It commits the sink and then records
// { checkpointId, position } after every batch. Loads the TypeScript sources through Vite's module runner.
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createServer, createServerModuleRunner } from 'vite'

const [, , dir, sinkPath, batchSize, pauseMs] = process.argv
const conditions = ['@ferris/source', 'module', 'node', 'import', 'default']
const server = await createServer({
  configFile: false,
  logLevel: 'silent',
  server: { middlewareMode: true, hmr: false, ws: false },
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
})
const runner = createServerModuleRunner(server.environments.ssr, { hmr: false })
const core = await runner.import('@ferris/core')
const { plugin } = await runner.import(new URL('../../src/plugin.ts', import.meta.url).pathname)

const checkpointFile = join(dir, 'checkpoint.json')
const saved = await readFile(checkpointFile, 'utf8').then(JSON.parse, () => ({ checkpointId: 0, position: undefined }))
const registry = new core.ConnectorRegistry().register(plugin)
const context = (name) => ({
  name,
  logger: core.silentLogger,
  metrics: core.noopMetrics,
  signal: new AbortController().signal,
  cwd: dir,
  reportBadRecord: (r) => {
    throw r.error
  },
})
const source = registry.createSource(
  { name: 'in', role: 'source', properties: { type: 'file_source', path: 'in.csv' } },
  context('in'),
)
const schema = core.Schema.of(['id', core.T.int64], ['text', core.T.string])
const sink = registry.createSink(
  { name: 'out', role: 'sink', properties: { type: 'file_sink', path: sinkPath, format: 'csv' } },
  context('out'),
)
await sink.open()
const writer = await sink.createWriter({ schema, jobId: 'killed-job' })
const fromSink = await writer.committedPositions?.()
const from = fromSink?.in ?? saved.position
const reader = await source.createReader({ schema, batchSize: Number(batchSize), ...(from ? { from } : {}) })
let checkpointId = saved.checkpointId
for (;;) {
  const r = await reader.read()
  if (r.kind === 'batch') await writer.write(r.batch)
  checkpointId++
  await writer.commit({ checkpointId, positions: { in: r.position } })
  const tmp = `${checkpointFile}.tmp`
  await writeFile(tmp, JSON.stringify({ checkpointId, position: r.position }))
  await rename(tmp, checkpointFile)
  if (r.kind === 'end') break
  await new Promise((resolve) => setTimeout(resolve, Number(pauseMs)))
}
await writer.close()
process.stdout.write('done\n')
process.exit(0)
