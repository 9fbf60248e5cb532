import { defineConfig } from 'vitest/config'

/**
 * The one vitest configuration every package extends. Tests read sibling packages from source through the
 * `@ferris/source` export condition, so `nx test` needs no build first. Each run also writes a JSON report
 * that `tools/test.mjs` adds up into the closing line CI reads.
 */
export function ferrisVitestConfig(packageDir: string) {
  const integration = process.env.FERRIS_INTEGRATION === '1'
  return defineConfig({
    // Only `@ferris/source` is added: vitest hands these conditions to Node for external packages too, and
    // `import`/`module` there make CommonJS packages such as `pg` require() an ESM build of their dependencies.
    resolve: { conditions: ['@ferris/source', 'node', 'default'] },
    ssr: { resolve: { conditions: ['@ferris/source', 'node', 'default'] } },
    test: {
      root: packageDir,
      include: ['test/**/*.test.ts'],
      exclude: integration ? ['**/node_modules/**'] : ['**/node_modules/**', 'test/**/*.integration.test.ts'],
      testTimeout: integration ? 120_000 : 20_000,
      hookTimeout: integration ? 120_000 : 20_000,
      reporters: ['default', 'json'],
      outputFile: { json: 'reports/vitest.json' },
      pool: 'forks',
      // Integration tests stop and restart the shared servers (a broker restart, a database going away), so
      // their files run one at a time; unit test files still run in parallel.
      fileParallelism: !integration,
    },
  })
}
