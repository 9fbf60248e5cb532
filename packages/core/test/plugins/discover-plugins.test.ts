import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { discoverPlugins } from '../../src/plugins/discover-plugins.js'
import { CORE_API_VERSION } from '../../src/plugins/plugin.js'
import { ConnectorRegistry } from '../../src/plugins/registry.js'
import { Schema } from '../../src/schema/schema.js'
import { createTestContext } from '../../src/testing/test-context.js'
import { T } from '../../src/types/data-type.js'

/**
 * A third-party connector written in plain JavaScript against the @ferris/core contract alone: it imports
 * nothing, keeps its rows in a module-level Map, and is found only through its package.json field.
 */
const THIRD_PARTY_PLUGIN = `
const tables = new Map()
const capabilities = { bounded: true, seek: false, commit: false, schemaDiscovery: false, timestamps: false }

function source(options) {
  return {
    capabilities,
    async open() {},
    async discoverSchema() { return undefined },
    async createReader({ schema }) {
      let done = false
      return {
        async read() {
          if (done) return { kind: 'end', position: 1 }
          done = true
          return { kind: 'batch', batch: { schema, rows: tables.get(options.bucket) ?? [] }, position: 1 }
        },
        async commit() {},
        async seek() {},
        hasMore() { return !done },
        async close() {},
      }
    },
    async close() {},
  }
}

function sink(options) {
  return {
    capabilities: { transactions: false, upsert: false, idempotent: false, storesPositions: false },
    async open() {},
    async validateSchema() {},
    async createWriter() {
      let pending = []
      return {
        async write(batch) { pending.push(...batch.rows) },
        async flush() {},
        async commit() { tables.set(options.bucket, [...(tables.get(options.bucket) ?? []), ...pending]); pending = [] },
        async rollback() { pending = [] },
        async close() {},
      }
    },
    async close() {},
  }
}

export const plugin = {
  name: '@acme/ferris-connector-vault',
  version: '1.4.0',
  coreVersion: '^${CORE_API_VERSION}',
  connectors: [
    {
      scheme: 'vault',
      description: 'Rows kept in a vault',
      options: { bucket: { type: 'string', required: true, doc: 'Which bucket' } },
      fromConnectionString: (uri) => ({ bucket: uri.hosts[0].host }),
      createSource: source,
      createSink: sink,
    },
  ],
}
`

let root: string

async function writePackage(dir: string, manifest: Record<string, unknown>, files: Record<string, string> = {}) {
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'package.json'), JSON.stringify(manifest))
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true })
    await writeFile(join(dir, name), text)
  }
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ferris-discover-'))
  const modules = join(root, 'app', 'node_modules')
  await writePackage(
    join(modules, '@acme', 'ferris-connector-vault'),
    { name: '@acme/ferris-connector-vault', version: '1.4.0', type: 'module', ferris: { plugin: './dist/plugin.js' } },
    { 'dist/plugin.js': THIRD_PARTY_PLUGIN },
  )
  await writePackage(
    join(modules, 'left-pad'),
    { name: 'left-pad', version: '1.3.0' },
    { 'index.js': 'export default 1' },
  )
  await writePackage(
    join(modules, 'ferris-connector-broken'),
    { name: 'ferris-connector-broken', version: '0.0.1', type: 'module', ferris: { plugin: './plugin.js' } },
    { 'plugin.js': 'throw new Error("the vendor client is missing")' },
  )
  await writePackage(
    join(modules, 'ferris-connector-shapeless'),
    { name: 'ferris-connector-shapeless', version: '0.0.1', type: 'module', ferris: { plugin: './plugin.js' } },
    { 'plugin.js': 'export default { name: "shapeless", connectors: "none" }' },
  )
  await writePackage(
    join(modules, 'ferris-connector-old'),
    { name: 'ferris-connector-old', version: '0.0.1', type: 'module', ferris: { plugin: './plugin.js' } },
    {
      'plugin.js':
        'export const plugin = () => ({ name: "ferris-connector-old", version: "0.0.1", coreVersion: "^9.0.0", connectors: [] })',
    },
  )
  await writePackage(join(modules, 'ferris-connector-nofield'), {
    name: 'ferris-connector-nofield',
    version: '0.0.1',
    ferris: { plugins: './x.js' },
  })
  // A second, farther copy of the vault package must lose to the nearer one.
  await writePackage(
    join(root, 'node_modules', '@acme', 'ferris-connector-vault'),
    { name: '@acme/ferris-connector-vault', version: '0.9.0', type: 'module', ferris: { plugin: './missing.js' } },
    {},
  )
  await mkdir(join(root, 'app', 'src', 'deep'), { recursive: true })
})

afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('core: discoverPlugins', () => {
  it('finds a third-party connector package upward from a start folder, and it works with no change to Ferris', async () => {
    const found = await discoverPlugins({ cwd: join(root, 'app', 'src', 'deep') })
    expect(found.plugins.map((p) => p.name)).toEqual(['@acme/ferris-connector-vault'])
    expect(found.packages[0]).toMatchObject({
      packageName: '@acme/ferris-connector-vault',
      packageVersion: '1.4.0',
      entry: expect.stringMatching(
        /app[\\/]node_modules[\\/]@acme[\\/]ferris-connector-vault[\\/]dist[\\/]plugin\.js$/,
      ),
    })

    const registry = new ConnectorRegistry()
    for (const plugin of found.plugins) registry.register(plugin)
    expect(registry.schemes()).toEqual(['vault'])

    const schema = Schema.of(['id', T.int64], ['name', T.string])
    const { context } = createTestContext()
    const sink = registry.createSink({ name: 'out', role: 'sink', properties: { uri: 'vault://gold' } }, context)
    await sink.open()
    const writer = await sink.createWriter({ schema, jobId: 'job' })
    await writer.write({ schema, rows: [[9007199254740993n, 'ingot']] })
    await writer.commit({ checkpointId: 1, positions: {} })
    await writer.close()

    const source = registry.createSource({ name: 'in', role: 'source', properties: { uri: 'vault://gold' } }, context)
    await source.open()
    const reader = await source.createReader({ schema, batchSize: 100 })
    const result = await reader.read()
    expect(result.kind === 'batch' && result.batch.rows).toEqual([[9007199254740993n, 'ingot']])

    // A scheme nothing installed provides: the error lists what is there and names the package to install.
    expect(() =>
      registry.createSource({ name: 'orders', role: 'source', properties: { uri: 'kafka://h:9092/t' } }, context),
    ).toThrow(
      'No connector is installed for scheme "kafka". Installed schemes: vault. Install it with: npm install @ferris/connector-kafka.',
    )
  })

  it('reports each broken plugin with its package and path, without hiding the others', async () => {
    const found = await discoverPlugins({ cwd: join(root, 'app') })
    const messages = Object.fromEntries(found.errors.map((e) => [e.packageName, e.error.message]))
    expect(Object.keys(messages).sort()).toEqual([
      'ferris-connector-broken',
      'ferris-connector-nofield',
      'ferris-connector-old',
      'ferris-connector-shapeless',
    ])
    const dir = join(root, 'app', 'node_modules')
    expect(messages['ferris-connector-broken']).toContain(
      `Connector package ferris-connector-broken@0.0.1 (${dir}/ferris-connector-broken) could not be loaded from its plugin entry ./plugin.js: the vendor client is missing`,
    )
    expect(messages['ferris-connector-shapeless']).toContain(
      'exports an invalid plugin from ./plugin.js: Connector plugin shapeless is malformed: "version" must be a string',
    )
    expect(messages['ferris-connector-old']).toContain(
      `supports @ferris/core ^9.0.0, but this is core API ${CORE_API_VERSION}`,
    )
    expect(messages['ferris-connector-nofield']).toContain(
      'without a plugin entry; expected "ferris": { "plugin": "./dist/plugin.js" }',
    )
    expect(found.errors.every((e) => e.error.code === 'FERRIS_PLUGIN_INVALID')).toBe(true)
    expect(found.plugins).toHaveLength(1)
  })

  it('searches extra paths, node_modules folders as they are and others upward, and follows symlinks', async () => {
    const elsewhere = join(root, 'global', 'lib', 'node_modules')
    await writePackage(
      join(root, 'store', 'ferris-connector-extra'),
      { name: 'ferris-connector-extra', version: '2.0.0', type: 'module', ferris: { plugin: './p.js' } },
      {
        'p.js': `export default { name: 'ferris-connector-extra', version: '2.0.0', coreVersion: '*', connectors: [{ scheme: 'extra', description: '', options: {}, fromConnectionString: () => ({}), createSink: () => ({}) }] }`,
      },
    )
    await mkdir(elsewhere, { recursive: true })
    await symlink(join(root, 'store', 'ferris-connector-extra'), join(elsewhere, 'ferris-connector-extra'), 'dir')
    const empty = join(root, 'empty')
    await mkdir(empty)
    const direct = await discoverPlugins({ cwd: empty, paths: [elsewhere] })
    expect(direct.plugins.map((p) => p.name)).toContain('ferris-connector-extra')
    const upward = await discoverPlugins({
      cwd: empty,
      paths: [join(root, 'global', 'lib', 'node_modules', '..', 'x')],
    })
    expect(upward.plugins.map((p) => p.name)).toContain('ferris-connector-extra')
  })

  it('finds nothing where no connector package is installed', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'ferris-discover-empty-'))
    try {
      const found = await discoverPlugins({ cwd: empty })
      expect(found.plugins.filter((p) => p.name.includes('acme'))).toEqual([])
    } finally {
      await rm(empty, { recursive: true, force: true })
    }
  })
})
