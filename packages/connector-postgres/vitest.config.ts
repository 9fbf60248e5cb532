import type { ViteUserConfig as UserConfig } from 'vitest/config'
import { ferrisVitestConfig } from '../../vitest.shared.ts'

const config = ferrisVitestConfig(import.meta.dirname)

// The shared conditions list `import` and `module`, which vitest also hands to Node for external CommonJS
// packages: `pg` then require()s pg-pool's ESM build and fails ("Class extends value [object Module]").
// Only `@ferris/source` is needed to read sibling packages from source.
const conditions = ['@ferris/source', 'node', 'default']
const merged: UserConfig = {
  ...config,
  resolve: { ...config.resolve, conditions },
  ssr: { ...config.ssr, resolve: { ...config.ssr?.resolve, conditions } },
  // Integration files share one server, and one of them stops and starts it: run them one at a time.
  test: { ...config.test, fileParallelism: process.env.FERRIS_INTEGRATION !== '1' },
}

export default merged
