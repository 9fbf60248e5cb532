#!/usr/bin/env node
// The test command of the README and CI: format and lint, then build, type-check and test every package
// through Nx (cached), then one closing line that adds up every package's vitest report.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const packages = readdirSync(join(root, 'packages'))

for (const p of packages) rmSync(join(root, 'packages', p, 'reports'), { recursive: true, force: true })

function run(cmd, args) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`)
  const r = spawnSync(cmd, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
  })
  return r.status ?? 1
}

// Every step runs even when an earlier one failed, so one run shows every problem; the exit code keeps them all.
const lintStatus = run('npx', ['biome', 'check', '.'])
const buildStatus = run('npx', ['nx', 'run-many', '-t', 'build', 'typecheck', '--outputStyle=stream', '--nxBail=false'])
const status = lintStatus || buildStatus
// With real servers, one package's tests at a time: several of them stop and restart the shared servers.
const parallel = process.env.FERRIS_INTEGRATION === '1' ? ['--parallel=1'] : []
const testStatus = run('npx', ['nx', 'run-many', '-t', 'test', '--outputStyle=stream', '--nxBail=false', ...parallel])

let passed = 0
let failed = 0
let skipped = 0
for (const p of packages) {
  const file = join(root, 'packages', p, 'reports', 'vitest.json')
  if (!existsSync(file)) continue
  const r = JSON.parse(readFileSync(file, 'utf8'))
  passed += r.numPassedTests
  failed += r.numFailedTests
  skipped += r.numPendingTests + r.numTodoTests
}
if (testStatus !== 0 && failed === 0) failed = 1
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(status || testStatus || (failed > 0 ? 1 : 0))
