import { defineConfig, mergeConfig } from 'vitest/config'
import { ferrisVitestConfig } from '../../vitest.shared.ts'

// The shared config resolves the `module` export condition, which picks the AWS SDK's bundler-only build
// (`dist-es`, extensionless imports Node cannot load). This package resolves without it.
const conditions = ['@ferris/source', 'node', 'import', 'default']
const base = ferrisVitestConfig(import.meta.dirname)
base.resolve = { ...base.resolve, conditions }
base.ssr = { ...base.ssr, resolve: { ...base.ssr?.resolve, conditions } }

export default mergeConfig(base, defineConfig({}))
