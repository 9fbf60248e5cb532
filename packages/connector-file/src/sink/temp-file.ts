import { randomUUID } from 'node:crypto'
import { type FileHandle, open, readdir, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { FerrisError } from '@ferris/core'
import { type Compression, compressChunk } from '@ferris/formats'

/** Bytes buffered before a write to the file: few syscalls, bounded memory. */
const BUFFER_BYTES = 1024 * 1024

/**
 * A hidden file beside its target (`.<name>.inprogress-<id>`) that bytes are appended to. Readers of the
 * directory skip hidden files, and a crash leaves only such a file behind, never a partial published one.
 */
export class TempFile {
  readonly path: string
  readonly openedAt = Date.now()
  #handle: FileHandle | undefined
  #buffer: Uint8Array[] = []
  #buffered = 0
  /** Bytes written or buffered, compressed. */
  size = 0
  records = 0
  readonly #compression: Compression

  private constructor(path: string, handle: FileHandle, compression: Compression) {
    this.path = path
    this.#handle = handle
    this.#compression = compression
  }

  static async create(target: string, compression: Compression, kind = 'inprogress'): Promise<TempFile> {
    const path = join(dirname(target), `.${basename(target)}.${kind}-${randomUUID().slice(0, 8)}`)
    try {
      return new TempFile(path, await open(path, 'wx'), compression)
    } catch (error) {
      throw writeError(error, path)
    }
  }

  /** Appends `bytes` (compressed as one gzip member when gzip is on). */
  append(bytes: Uint8Array): void {
    if (bytes.length === 0) return
    const out = compressChunk(bytes, this.#compression)
    this.#buffer.push(out)
    this.#buffered += out.length
    this.size += out.length
  }

  /** Uncompressed bytes appended as one chunk for gzip (fewer members, better ratio) once big enough. */
  needsFlush(): boolean {
    return this.#buffered >= BUFFER_BYTES
  }

  async flush(): Promise<void> {
    if (this.#buffered === 0 || this.#handle === undefined) return
    const chunks = this.#buffer
    this.#buffer = []
    this.#buffered = 0
    try {
      await this.#handle.writev(chunks)
    } catch (error) {
      throw writeError(error, this.path)
    }
  }

  /** Flushes, fsyncs and closes: the bytes are durable and the file can be renamed into place. */
  async seal(): Promise<void> {
    await this.flush()
    const h = this.#handle
    if (h === undefined) return
    this.#handle = undefined
    try {
      await h.sync()
    } catch (error) {
      throw writeError(error, this.path)
    } finally {
      await h.close()
    }
  }

  async discard(): Promise<void> {
    const h = this.#handle
    this.#handle = undefined
    this.#buffer = []
    this.#buffered = 0
    await h?.close().catch(() => {})
    await rm(this.path, { force: true })
  }
}

export function writeError(error: unknown, path: string): FerrisError {
  const e = error as NodeJS.ErrnoException
  if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS') {
    return new FerrisError('FERRIS_AUTHORIZATION_FAILED', `Cannot write ${path}: permission denied`, {
      subject: path,
      hint: 'Give the user running Ferris write access to the directory',
      cause: error,
    })
  }
  if (e.code === 'ENOSPC') {
    return new FerrisError('FERRIS_IO', `Cannot write ${path}: the disk is full`, {
      subject: path,
      retryable: true,
      cause: error,
    })
  }
  if (e.code === 'ENOENT') {
    return new FerrisError('FERRIS_NOT_FOUND', `Cannot write ${path}: its directory does not exist`, {
      subject: path,
      cause: error,
    })
  }

  return new FerrisError('FERRIS_IO', `Cannot write ${path}: ${e.message}`, { subject: path, cause: error })
}

/**
 * Removes the hidden in-progress and publish files of `target` left by a killed run, except those in `keep`.
 * Called at a writer's first commit, when a restarted job takes over the target.
 */
export async function removeStaleTemps(target: string, keep: ReadonlySet<string>): Promise<void> {
  const dir = dirname(target)
  const prefix = `.${basename(target)}.`
  const names = await readdir(dir).catch(() => [] as string[])
  for (const name of names) {
    if (!name.startsWith(prefix) || !/^(inprogress|publish)-[0-9a-f]{8}$/.test(name.slice(prefix.length))) continue
    const path = join(dir, name)
    if (!keep.has(path)) await rm(path, { force: true })
  }
}
