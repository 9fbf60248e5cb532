import { join } from 'node:path'
import {
  type ConnectorContext,
  type DataReader,
  type DataSource,
  FerrisError,
  type ReaderOptions,
  type Schema,
  type SourceCapabilities,
} from '@ferris/core'
import { formatOf, readParquetSchema } from '@ferris/formats'
import type { FileOptions } from '../options.js'
import { FileReader } from './file-reader.js'
import { type FileSet, listFiles, resolveFileSet } from './file-set.js'
import { LocalFileInput } from './local-input.js'
import { fileContent } from './read-bytes.js'

/**
 * Files as a source: one file, a directory or a glob, read once (bounded) or followed as they grow and
 * appear (`watch`). Positions are per-file byte offsets (see `FilePosition`).
 */
export class FileSource implements DataSource {
  readonly capabilities: SourceCapabilities
  readonly #options: FileOptions
  readonly #context: ConnectorContext
  #set: FileSet | undefined

  constructor(options: FileOptions, context: ConnectorContext) {
    this.#options = options
    this.#context = context
    this.capabilities = { bounded: !options.watch, seek: true, commit: false, schemaDiscovery: true, timestamps: false }
  }

  async open(): Promise<void> {
    const set = await this.#fileSet()
    if (this.#options.watch) return
    const files = await listFiles(set)
    if (files.length === 0) throw this.#noFile(set)
    // Fail early on a format that cannot be told from the name.
    formatOf(this.#options, files[0]!, this.#context.name)
  }

  async discoverSchema(): Promise<Schema | undefined> {
    const set = await this.#fileSet()
    const files = await listFiles(set)
    // Planning asks for the schema before opening: a missing file is said as such, not as "no schema".
    if (files.length === 0 && !this.#options.watch) throw this.#noFile(set)
    for (const file of files) {
      const format = formatOf(this.#options, file, this.#context.name)
      if (format.lookup.stream === undefined) {
        const input = new LocalFileInput(join(set.root, file))
        try {
          return await readParquetSchema(input)
        } finally {
          await input.close()
        }
      }
      const content = fileContent(join(set.root, file), format.compression)
      try {
        const schema = await format.lookup.stream.inferSchema(content, {
          ...format.streamOptions,
          sampleSize: this.#options.sample_size,
        })
        if (schema !== undefined && schema.length > 0) return schema
      } finally {
        await content.return(undefined)
      }
    }

    return undefined
  }

  async createReader(options: ReaderOptions): Promise<DataReader> {
    return new FileReader(await this.#fileSet(), this.#options, this.#context, options)
  }

  async close(): Promise<void> {}

  #noFile(set: FileSet): FerrisError {
    return new FerrisError(
      'FERRIS_NOT_FOUND',
      `No file matches ${this.#options.path} for source "${this.#context.name}"`,
      {
        subject: `${this.#context.name}.path`,
        value: this.#options.path,
        hint:
          set.kind === 'file'
            ? `Check the file exists (relative paths start at ${this.#context.cwd}), or set '${this.#context.name}.watch' = 'true' to wait for it`
            : `Check the directory or pattern (hidden files are skipped), or set '${this.#context.name}.watch' = 'true' to wait for files`,
      },
    )
  }

  async #fileSet(): Promise<FileSet> {
    this.#set ??= await resolveFileSet(this.#options.path, this.#context.cwd)

    return this.#set
  }
}
