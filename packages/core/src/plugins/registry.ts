import { validateOptions } from '../config/validate-options.js'
import { parseConnectionString } from '../connection/parse-connection-string.js'
import type { ConnectorContext } from '../contracts/context.js'
import type { DataSink } from '../contracts/sink.js'
import type { DataSource } from '../contracts/source.js'
import { FerrisError } from '../errors/ferris-error.js'
import { didYouMean } from '../util/did-you-mean.js'
import { CORE_API_VERSION, type ConnectorDefinition, type ConnectorPlugin, type RawOptions } from './plugin.js'
import { isValidRange, satisfiesRange } from './semver.js'

export type EndpointRole = 'source' | 'sink'

/**
 * How an application names one source or sink: its name and its properties with the `name.` prefix removed.
 * Either `uri` (a connection string) or `type` (`kafka_source`, or a scheme such as `kafka`) says which
 * connector; the remaining keys are that connector's options and override what the URI says.
 */
export interface EndpointSpec {
  readonly name: string
  readonly role: EndpointRole
  readonly properties: Readonly<Record<string, string>>
}

export interface ResolvedEndpoint {
  readonly plugin: ConnectorPlugin
  readonly definition: ConnectorDefinition
  /** Validated and typed options, defaults applied. Secrets included: never print this object. */
  readonly options: Readonly<Record<string, unknown>>
}

/** Well-known packages to suggest when a scheme is missing. */
const KNOWN_PACKAGES: Readonly<Record<string, string>> = {
  file: '@ferris/connector-file',
  kafka: '@ferris/connector-kafka',
  s3: '@ferris/connector-s3',
  postgresql: '@ferris/connector-postgres',
  postgres: '@ferris/connector-postgres',
  clickhouse: '@ferris/connector-clickhouse',
  iceberg: '@ferris/connector-iceberg',
}

/**
 * Creates sources and sinks by scheme. Plugins are registered explicitly, by the host after discovery
 * (`discoverPlugins`) or by an embedding program.
 */
export class ConnectorRegistry {
  readonly #plugins: ConnectorPlugin[] = []
  readonly #bySchema = new Map<string, { plugin: ConnectorPlugin; definition: ConnectorDefinition }>()
  readonly #byType = new Map<string, { plugin: ConnectorPlugin; definition: ConnectorDefinition; role: EndpointRole }>()

  /**
   * Registers every connector of a plugin. Fails on a malformed plugin, an unsupported core range, or a scheme
   * or type name taken by another plugin; a failed registration changes nothing. Registering the same plugin
   * name and version again is a no-op.
   */
  register(plugin: ConnectorPlugin): this {
    validatePlugin(plugin)
    const same = this.#plugins.find((p) => p.name === plugin.name)
    // The same package seen twice (registered by hand and discovered, say) is one plugin.
    if (same !== undefined && same.version === plugin.version) return this
    if (same !== undefined) {
      throw new FerrisError(
        'FERRIS_PLUGIN_INVALID',
        `Plugin ${plugin.name}@${plugin.version} cannot be registered: version ${same.version} is already registered`,
        { subject: plugin.name, value: plugin.version, hint: `Keep one version of ${plugin.name} installed` },
      )
    }
    // Check every scheme and type name before taking any, so a failed registration leaves the registry as it was.
    const schemes = new Map<string, ConnectorDefinition>()
    const types = new Map<string, { definition: ConnectorDefinition; role: EndpointRole }>()
    for (const definition of plugin.connectors) {
      for (const scheme of [definition.scheme, ...(definition.aliases ?? [])].map((s) => s.toLowerCase())) {
        const taken = this.#bySchema.get(scheme)
        if (taken !== undefined || schemes.has(scheme)) {
          const owner =
            taken === undefined ? `another connector of ${plugin.name}` : `${taken.plugin.name}@${taken.plugin.version}`
          throw new FerrisError(
            'FERRIS_PLUGIN_INVALID',
            `Scheme "${scheme}" of ${plugin.name}@${plugin.version} is already registered by ${owner}`,
            {
              subject: plugin.name,
              value: scheme,
              hint: taken === undefined ? 'Give each connector its own scheme' : 'Uninstall one of the two packages',
            },
          )
        }
        schemes.set(scheme, definition)
      }
      for (const role of ['source', 'sink'] as const) {
        const typeName = definition.typeNames?.[role]?.toLowerCase()
        if (typeName === undefined) continue
        const taken = this.#byType.get(typeName)
        if (taken !== undefined || types.has(typeName)) {
          throw new FerrisError(
            'FERRIS_PLUGIN_INVALID',
            `Type name "${typeName}" of ${plugin.name}@${plugin.version} is already registered by ${taken?.plugin.name ?? plugin.name}`,
            { subject: plugin.name, value: typeName, hint: 'Uninstall one of the two packages' },
          )
        }
        types.set(typeName, { definition, role })
      }
    }
    for (const [scheme, definition] of schemes) this.#bySchema.set(scheme, { plugin, definition })
    for (const [typeName, { definition, role }] of types) this.#byType.set(typeName, { plugin, definition, role })
    this.#plugins.push(plugin)

    return this
  }

  get plugins(): readonly ConnectorPlugin[] {
    return this.#plugins
  }

  schemes(): string[] {
    return [...this.#bySchema.keys()].sort()
  }

  /** The connector for a scheme, or an error listing the schemes there are and the package to install. */
  definition(scheme: string): { plugin: ConnectorPlugin; definition: ConnectorDefinition } {
    const found = this.#bySchema.get(scheme.toLowerCase())
    if (found !== undefined) return found
    const pkg = KNOWN_PACKAGES[scheme.toLowerCase()]
    const available = this.schemes()
    const [guess] = pkg === undefined ? didYouMean(scheme, available, 1) : []
    const expected = available.length > 0 ? `one of ${available.join(', ')}` : 'an installed connector package'
    const hint =
      pkg !== undefined
        ? `Install it with: npm install ${pkg}`
        : guess !== undefined
          ? `Did you mean ${guess}? Otherwise install a connector package for "${scheme}"`
          : `Install a connector package for "${scheme}" (it declares "ferris.plugin" in its package.json)`
    const installed =
      available.length > 0 ? `Installed schemes: ${available.join(', ')}` : 'No connector is installed at all'

    throw new FerrisError(
      'FERRIS_UNKNOWN_SCHEME',
      `No connector is installed for scheme "${scheme}". ${installed}. ${hint}.`,
      { value: scheme, expected, hint },
    )
  }

  /** Finds the connector for an endpoint and validates its options. Opens nothing. */
  resolve(spec: EndpointSpec): ResolvedEndpoint {
    const { uri, type, ...rest } = spec.properties
    let found: { plugin: ConnectorPlugin; definition: ConnectorDefinition } | undefined
    let fromUri: RawOptions = {}
    if (uri !== undefined) {
      const parsed = parseConnectionString(uri, `${spec.name}.uri`)
      found = this.definition(parsed.scheme)
      fromUri = found.definition.fromConnectionString(parsed)
    } else if (type !== undefined) {
      found = this.#findType(type, spec)
    } else {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `${spec.role === 'source' ? 'Source' : 'Sink'} "${spec.name}" names no connector`,
        {
          subject: spec.name,
          expected: `'${spec.name}.uri' = '<connection string>' or '${spec.name}.type' = '<type>'`,
          hint: `Add for example '${spec.name}.uri' = 'file:///path/to/data.csv' to the WITH clause`,
        },
      )
    }
    const create = spec.role === 'source' ? found.definition.createSource : found.definition.createSink
    if (create === undefined) {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `Connector "${found.definition.scheme}" (${found.plugin.name}) cannot be used as a ${spec.role}`,
        { subject: spec.name, hint: `Use "${spec.name}" on the other side of the query, or another connector` },
      )
    }
    const options = validateOptions(
      found.definition.options,
      { ...fromUri, ...rest },
      { subject: spec.name, scheme: found.definition.scheme },
    )
    found.definition.check?.(options as never, spec.role, spec.name)

    return { ...found, options }
  }

  createSource(spec: EndpointSpec, context: ConnectorContext): DataSource {
    const { definition, options } = this.resolve({ ...spec, role: 'source' })

    return definition.createSource!(options as never, context)
  }

  createSink(spec: EndpointSpec, context: ConnectorContext): DataSink {
    const { definition, options } = this.resolve({ ...spec, role: 'sink' })

    return definition.createSink!(options as never, context)
  }

  #findType(type: string, spec: EndpointSpec): { plugin: ConnectorPlugin; definition: ConnectorDefinition } {
    const byType = this.#byType.get(type.toLowerCase())
    if (byType !== undefined) {
      if (byType.role !== spec.role) {
        throw new FerrisError(
          'FERRIS_CONFIG_INVALID',
          `"${spec.name}" is used as a ${spec.role} but its type "${type}" is a ${byType.role}`,
          {
            subject: `${spec.name}.type`,
            value: type,
            expected: byType.definition.typeNames?.[spec.role] ?? `a ${spec.role} type`,
            hint: `Write '${spec.name}.type' = '${byType.definition.typeNames?.[spec.role] ?? byType.definition.scheme}'`,
          },
        )
      }

      return byType
    }
    const types = [...this.#byType.keys()].sort()
    if (this.#bySchema.has(type.toLowerCase())) return this.definition(type)
    const scheme = type.toLowerCase().replace(/_(source|sink)$/, '')
    if (types.length > 0 && !(scheme in KNOWN_PACKAGES)) {
      throw new FerrisError('FERRIS_CONFIG_INVALID', `Unknown type "${type}" for "${spec.name}"`, {
        subject: `${spec.name}.type`,
        value: type,
        expected: `one of ${types.join(', ')}`,
      })
    }

    return this.definition(scheme)
  }
}

/**
 * Checks that an object is a well-formed plugin for this core: its shape, and that its `coreVersion` range
 * includes `CORE_API_VERSION`. Throws FERRIS_PLUGIN_INVALID listing every problem.
 */
export function validatePlugin(plugin: ConnectorPlugin): void {
  const problems: string[] = []
  const p = plugin as Partial<ConnectorPlugin> | null | undefined
  if (typeof p !== 'object' || p === null) {
    throw new FerrisError(
      'FERRIS_PLUGIN_INVALID',
      `A connector plugin must be an object, got ${p === null ? 'null' : typeof p}`,
      {
        hint: PLUGIN_SHAPE_HINT,
      },
    )
  }
  if (typeof p.name !== 'string' || p.name === '') problems.push('"name" must be a non-empty string')
  if (typeof p.version !== 'string') problems.push('"version" must be a string')
  if (typeof p.coreVersion !== 'string' || !isValidRange(p.coreVersion)) {
    problems.push(`"coreVersion" must be a semver range such as "^${CORE_API_VERSION}"`)
  }
  if (!Array.isArray(p.connectors)) problems.push('"connectors" must be an array')
  else
    p.connectors.forEach((c, i) => {
      if (typeof c?.scheme !== 'string' || !/^[a-z][a-z0-9+.-]*$/.test(c.scheme))
        problems.push(`connectors[${i}].scheme must be a lower-case URI scheme`)
      if (
        c?.aliases !== undefined &&
        (!Array.isArray(c.aliases) || !c.aliases.every((a: unknown) => typeof a === 'string'))
      )
        problems.push(`connectors[${i}].aliases must be an array of schemes`)
      if (typeof c?.fromConnectionString !== 'function')
        problems.push(`connectors[${i}].fromConnectionString must be a function`)
      if (typeof c?.options !== 'object' || c.options === null)
        problems.push(`connectors[${i}].options must be an option schema object`)
      if (c?.createSource === undefined && c?.createSink === undefined)
        problems.push(`connectors[${i}] needs createSource or createSink`)
    })
  const name = typeof p.name === 'string' && p.name !== '' ? p.name : '(unnamed)'
  if (problems.length > 0) {
    throw new FerrisError('FERRIS_PLUGIN_INVALID', `Connector plugin ${name} is malformed: ${problems.join('; ')}`, {
      subject: name,
      hint: PLUGIN_SHAPE_HINT,
    })
  }
  if (!satisfiesRange(CORE_API_VERSION, p.coreVersion!)) {
    throw new FerrisError(
      'FERRIS_PLUGIN_INVALID',
      `Plugin ${name}@${p.version} supports @ferris/core ${p.coreVersion}, but this is core API ${CORE_API_VERSION}`,
      {
        subject: name,
        value: p.coreVersion,
        expected: `a range that includes ${CORE_API_VERSION}`,
        hint: `Install a version of ${name} built for @ferris/core ${CORE_API_VERSION}`,
      },
    )
  }
}

const PLUGIN_SHAPE_HINT =
  'A plugin is a plain object { name, version, coreVersion, connectors: [...] }; see docs/connector-authoring.md'
