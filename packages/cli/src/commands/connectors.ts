import type { ConnectorRegistry, OptionSpec } from '@ferris/core'
import type { LoadedRegistry } from '../plugins/load-registry.js'

/** The text of `ferris connectors`: every installed connector, its schemes and its options. */
export function describeConnectors({ registry, failures }: LoadedRegistry, verbose: boolean): string {
  const lines: string[] = []
  if (registry.plugins.length === 0)
    lines.push('No connector packages are installed. Install one, e.g. npm install @ferris/connector-file')
  for (const plugin of registry.plugins) {
    lines.push(`${plugin.name}@${plugin.version}`)
    for (const c of plugin.connectors) {
      const roles = [c.createSource ? 'source' : '', c.createSink ? 'sink' : ''].filter(Boolean).join(' + ')
      const schemes = [c.scheme, ...(c.aliases ?? [])].map((s) => `${s}://`).join(', ')
      const types = [c.typeNames?.source, c.typeNames?.sink].filter(Boolean).join(', ')
      lines.push(`  ${schemes}  (${roles})${types === '' ? '' : `  type: ${types}`}`)
      lines.push(`    ${c.description}`)
      if (verbose) {
        for (const [name, spec] of Object.entries(c.options)) lines.push(`    - ${name}: ${describeOption(spec)}`)
      }
    }
  }
  for (const f of failures) lines.push(`! ${f.packageName} could not be loaded: ${f.error.message}`)
  if (!verbose && registry.plugins.length > 0) lines.push('', 'Show every option with: ferris connectors --options')

  return lines.join('\n')
}

function describeOption(spec: OptionSpec): string {
  const type = spec.type === 'enum' ? spec.values.join('|') : spec.type
  const parts = [
    `(${type}${spec.required === true ? ', required' : ''}${spec.secret === true ? ', secret' : ''})`,
    spec.doc,
  ]
  if (spec.default !== undefined && spec.secret !== true) parts.push(`[default: ${defaultText(spec)}]`)
  if (spec.env !== undefined) parts.push(`[env: ${spec.env}]`)

  return parts.join(' ')
}

/** A default as a user writes it: durations in their largest whole unit (`10s`, `5m`), sizes as `512kb`, `1mb` (powers of 1024), as the options accept them. */
function defaultText(spec: OptionSpec): string {
  const v = spec.default
  if (spec.type === 'duration' && typeof v === 'number') {
    for (const [unit, ms] of [
      ['d', 86_400_000],
      ['h', 3_600_000],
      ['m', 60_000],
      ['s', 1_000],
    ] as const)
      if (v >= ms && v % ms === 0) return `${v / ms}${unit}`
    return `${v}ms`
  }
  if (spec.type === 'size' && typeof v === 'number') {
    for (const [unit, n] of [
      ['gb', 2 ** 30],
      ['mb', 2 ** 20],
      ['kb', 2 ** 10],
    ] as const)
      if (v >= n && v % n === 0) return `${v / n}${unit}`
    return String(v)
  }

  return JSON.stringify(v)
}

/** Scheme list for `--help` texts. */
export function schemeSummary(registry: ConnectorRegistry): string {
  const schemes = registry.schemes()

  return schemes.length === 0 ? '(none installed)' : schemes.join(', ')
}
