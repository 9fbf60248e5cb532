import { readdir, readFile, realpath, stat } from 'node:fs/promises'
import { dirname, isAbsolute, join, resolve, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { FerrisError, isFerrisError } from '../errors/ferris-error.js'
import { type ConnectorPlugin, PLUGIN_PACKAGE_FIELD } from './plugin.js'
import { validatePlugin } from './registry.js'

export interface DiscoverPluginsOptions {
  /** Where the search starts: its `node_modules` and those of every parent folder. Default `process.cwd()`. */
  readonly cwd?: string
  /**
   * More places to search, each a `node_modules` folder (searched as is) or any other folder (searched
   * like `cwd`, upward), e.g. where a globally installed CLI lives.
   */
  readonly paths?: readonly string[]
}

/** A plugin found in an installed package. */
export interface DiscoveredPlugin {
  readonly plugin: ConnectorPlugin
  readonly packageName: string
  readonly packageVersion: string
  /** The package folder (symlinks resolved). */
  readonly packageDir: string
  /** The absolute path of the plugin entry. */
  readonly entry: string
}

/** A package that declares a plugin which could not be loaded. Other plugins are unaffected. */
export interface PluginLoadError {
  readonly packageName: string
  readonly packageDir: string
  /** The entry named in package.json, when it names one. */
  readonly entry?: string
  readonly error: FerrisError
}

export interface DiscoverPluginsResult {
  /** Loaded and validated plugin objects, nearest package first; register them with `ConnectorRegistry`. */
  readonly plugins: ConnectorPlugin[]
  /** The same plugins with where they came from. */
  readonly packages: DiscoveredPlugin[]
  readonly errors: PluginLoadError[]
}

/**
 * Finds installed connector packages: every package in the searched `node_modules` folders (scoped ones
 * included) whose package.json has `"ferris": { "plugin": "./dist/plugin.js" }`. Each entry is loaded with
 * a dynamic import; its default export or its named export `plugin` is the plugin object (a function there
 * is called with no arguments to make it). Nothing is registered: the caller decides what to register.
 *
 * When a package is installed at several levels, the one nearest the start folder wins, as Node's own
 * resolution would pick it. A package that fails to load is reported in `errors` with its name and path,
 * and never hides the others.
 */
export async function discoverPlugins(options: DiscoverPluginsOptions = {}): Promise<DiscoverPluginsResult> {
  const folders: string[] = []
  const addUpward = (start: string) => {
    let dir = resolve(start)
    for (;;) {
      folders.push(dir.endsWith(`${sep}node_modules`) ? dir : join(dir, 'node_modules'))
      const parent = dirname(dir)
      if (parent === dir) break
      dir = parent
    }
  }
  addUpward(options.cwd ?? process.cwd())
  for (const p of options.paths ?? []) {
    const abs = isAbsolute(p) ? p : resolve(options.cwd ?? process.cwd(), p)
    if (abs.split(sep).pop() === 'node_modules') folders.push(abs)
    else addUpward(abs)
  }

  const seenFolders = new Set<string>()
  const seenPackages = new Set<string>()
  const seenDirs = new Set<string>()
  const candidates: Array<{ name: string; version: string; dir: string; entry: unknown }> = []
  for (const folder of folders) {
    const real = await realpathOrUndefined(folder)
    if (real === undefined || seenFolders.has(real)) continue
    seenFolders.add(real)
    for (const dir of await packageDirs(real)) {
      const manifest = await readManifest(dir)
      if (manifest === undefined) continue
      const field = (manifest as Record<string, unknown>)[PLUGIN_PACKAGE_FIELD]
      if (field === undefined || typeof manifest.name !== 'string') continue
      const packageDir = (await realpathOrUndefined(dir)) ?? dir
      if (seenPackages.has(manifest.name) || seenDirs.has(packageDir)) continue
      seenPackages.add(manifest.name)
      seenDirs.add(packageDir)
      candidates.push({
        name: manifest.name,
        version: typeof manifest.version === 'string' ? manifest.version : '0.0.0',
        dir: packageDir,
        entry: typeof field === 'object' && field !== null ? (field as Record<string, unknown>).plugin : undefined,
      })
    }
  }

  const loaded = await Promise.all(candidates.map((c) => loadCandidate(c)))
  const packages: DiscoveredPlugin[] = []
  const errors: PluginLoadError[] = []
  for (const result of loaded) {
    if ('plugin' in result) packages.push(result)
    else errors.push(result)
  }

  return { plugins: packages.map((p) => p.plugin), packages, errors }
}

async function loadCandidate(c: {
  name: string
  version: string
  dir: string
  entry: unknown
}): Promise<DiscoveredPlugin | PluginLoadError> {
  const fail = (problem: string, cause?: unknown, entry?: string): PluginLoadError => ({
    packageName: c.name,
    packageDir: c.dir,
    ...(entry === undefined ? {} : { entry }),
    error: new FerrisError('FERRIS_PLUGIN_INVALID', `Connector package ${c.name}@${c.version} (${c.dir}) ${problem}`, {
      subject: c.name,
      location: { package: c.dir, ...(entry === undefined ? {} : { entry }) },
      hint: `Reinstall ${c.name}, or report it to its authors; see docs/connector-authoring.md`,
      ...(cause === undefined ? {} : { cause }),
    }),
  })

  if (typeof c.entry !== 'string' || c.entry === '') {
    return fail(
      `has a "${PLUGIN_PACKAGE_FIELD}" field in package.json without a plugin entry; expected "${PLUGIN_PACKAGE_FIELD}": { "plugin": "./dist/plugin.js" }`,
    )
  }
  const entry = resolve(c.dir, c.entry)
  if (!entry.startsWith(c.dir + sep)) {
    return fail(`names the plugin entry ${c.entry}, which is outside the package`, undefined, c.entry)
  }
  let module: Record<string, unknown>
  try {
    module = (await import(pathToFileURL(entry).href)) as Record<string, unknown>
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause)

    return fail(`could not be loaded from its plugin entry ${c.entry}: ${reason}`, cause, c.entry)
  }
  let plugin = module.default ?? module.plugin
  if (plugin === undefined) {
    return fail(`has no default export and no export named "plugin" in ${c.entry}`, undefined, c.entry)
  }
  try {
    if (typeof plugin === 'function') plugin = (plugin as () => unknown)()
    validatePlugin(plugin as ConnectorPlugin)
  } catch (cause) {
    const reason = isFerrisError(cause) || cause instanceof Error ? cause.message : String(cause)

    return fail(`exports an invalid plugin from ${c.entry}: ${reason}`, cause, c.entry)
  }

  return { plugin: plugin as ConnectorPlugin, packageName: c.name, packageVersion: c.version, packageDir: c.dir, entry }
}

/** The package folders in a node_modules folder: `name` and `@scope/name`, symlinks followed. */
async function packageDirs(folder: string): Promise<string[]> {
  const out: string[] = []
  for (const name of await listDir(folder)) {
    if (name.startsWith('.')) continue
    const path = join(folder, name)
    if (name.startsWith('@')) {
      for (const inner of await listDir(path)) if (!inner.startsWith('.')) out.push(join(path, inner))
    } else out.push(path)
  }

  return out
}

async function listDir(path: string): Promise<string[]> {
  try {
    if (!(await stat(path)).isDirectory()) return []

    return (await readdir(path)).sort()
  } catch {
    return []
  }
}

async function readManifest(dir: string): Promise<{ name?: unknown; version?: unknown } | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))

    return typeof parsed === 'object' && parsed !== null ? (parsed as { name?: unknown; version?: unknown }) : undefined
  } catch {
    // Folders without a readable package.json are not packages (or are broken in ways npm reports itself).
    return undefined
  }
}

async function realpathOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await realpath(path)
  } catch {
    return undefined
  }
}
