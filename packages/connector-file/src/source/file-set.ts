import { readdir, stat } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path'
import { FerrisError } from '@ferris/core'
import { GLOB_CHARS, globToRegExp } from '@ferris/formats'

/** What a source `path` names: one file, every file under a directory, or the files a glob matches. */
export interface FileSet {
  readonly kind: 'file' | 'directory' | 'glob'
  /** The directory positions are relative to. */
  readonly root: string
  /** For a glob: matched against paths relative to `root`, with `/` separators. */
  readonly pattern?: RegExp
  /** For a single file: its name relative to `root`. */
  readonly file?: string
}

/** Resolves `path` against `cwd` and tells what it names. Hidden files (`.name`) never match a directory or glob. */
export async function resolveFileSet(path: string, cwd: string): Promise<FileSet> {
  const absolute = isAbsolute(path) ? path : resolve(cwd, path)
  if (GLOB_CHARS.test(path)) {
    const parts = absolute.split(/[\\/]/)
    const firstGlob = parts.findIndex((p) => GLOB_CHARS.test(p))
    const root = parts.slice(0, firstGlob).join(sep) || sep

    return { kind: 'glob', root, pattern: globToRegExp(parts.slice(firstGlob).join('/')) }
  }
  const info = await stat(absolute).catch(() => undefined)
  if (info?.isDirectory() === true || /[\\/]$/.test(path)) return { kind: 'directory', root: absolute }

  return { kind: 'file', root: dirname(absolute), file: basename(absolute) }
}

/** The files of a set that exist now, relative to its root with `/` separators, sorted. */
export async function listFiles(set: FileSet): Promise<string[]> {
  if (set.kind === 'file') {
    const info = await stat(join(set.root, set.file!)).catch(() => undefined)
    return info?.isFile() === true ? [set.file!] : []
  }
  const out: string[] = []
  await walk(set.root, '', out)
  const files = set.pattern === undefined ? out : out.filter((f) => set.pattern!.test(f))

  return files.sort()
}

async function walk(dir: string, prefix: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return []
    throw new FerrisError('FERRIS_IO', `Cannot list ${dir}: ${error.message}`, { subject: dir, cause: error })
  })
  for (const e of entries) {
    // Hidden files include the sink's in-progress files, which must never be read as data.
    if (e.name.startsWith('.')) continue
    const rel = prefix === '' ? e.name : `${prefix}/${e.name}`
    if (e.isDirectory()) await walk(join(dir, e.name), rel, out)
    else if (e.isFile()) out.push(rel)
  }
}
