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
  if (spec.default !== undefined && spec.secret !== true) parts.push(`[default: ${JSON.stringify(spec.default)}]`)
  if (spec.env !== undefined) parts.push(`[env: ${spec.env}]`)

  return parts.join(' ')
}

/** Scheme list for `--help` texts. */
export function schemeSummary(registry: ConnectorRegistry): string {
  const schemes = registry.schemes()

  return schemes.length === 0 ? '(none installed)' : schemes.join(', ')
}
