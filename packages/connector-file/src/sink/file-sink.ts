import { mkdir, stat } from 'node:fs/promises'
import { dirname, isAbsolute, resolve } from 'node:path'
import {
  type ConnectorContext,
  type DataSink,
  type DataWriter,
  FerrisError,
  type Schema,
  type SinkCapabilities,
  type WriterOptions,
} from '@ferris/core'
import { partitionIndexes } from '@ferris/formats'
import type { FileOptions } from '../options.js'
import { DirectoryWriter } from './directory-writer.js'
import { SingleFileWriter } from './single-file-writer.js'
import { SingleParquetWriter } from './single-parquet-writer.js'
import { type SinkFormat, sinkFormat } from './sink-format.js'
import { writeError } from './temp-file.js'

/**
 * Files as a sink. A `path` that ends in `/`, is an existing directory, has no extension or comes with
 * `partition_by` is a directory of part files (`DirectoryWriter`); any other path is one file, replaced
 * at each commit with everything written so far (`SingleFileWriter`).
 */
export class FileSink implements DataSink {
  readonly #options: FileOptions
  readonly #context: ConnectorContext
  readonly #target: string
  #mode: 'file' | 'directory' | undefined
  #format: SinkFormat | undefined

  constructor(options: FileOptions, context: ConnectorContext) {
    this.#options = options
    this.#context = context
    this.#target = isAbsolute(options.path) ? options.path : resolve(context.cwd, options.path)
  }

  /**
   * One file is replaced by a single rename, so its commit is all or nothing (`transactions`); a directory
   * commit renames part files one by one. Both store the source positions of each commit in a commit log
   * beside the output (`storesPositions`) and, on resuming from them, remove what a crashed run published
   * after the last logged commit (`idempotent`). Before `open`, the mode is told from the path alone.
   */
  get capabilities(): SinkCapabilities {
    const mode =
      this.#mode ??
      (/[\\/]$/.test(this.#options.path) ||
      (this.#options.partition_by?.length ?? 0) > 0 ||
      !/\.[A-Za-z0-9]+$/.test(this.#target)
        ? 'directory'
        : 'file')

    return { transactions: mode === 'file', upsert: false, idempotent: true, storesPositions: true }
  }

  async open(): Promise<void> {
    const info = await stat(this.#target).catch(() => undefined)
    const directory =
      info?.isDirectory() === true ||
      /[\\/]$/.test(this.#options.path) ||
      (this.#options.partition_by?.length ?? 0) > 0 ||
      !/\.[A-Za-z0-9]+$/.test(this.#target)
    this.#mode = directory ? 'directory' : 'file'
    this.#format = sinkFormat(this.#options, this.#target, this.#context.name)
    if (directory && info !== undefined && !info.isDirectory()) {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `Sink "${this.#context.name}" writes part files into ${this.#target}, which is a file`,
        {
          subject: `${this.#context.name}.path`,
          value: this.#options.path,
          hint: 'Name a directory (partition_by needs one), or drop partition_by to write this one file',
        },
      )
    }
    if (!directory && this.#format.name === 'json') {
      // Limitation: a JSON array file would have to be rewritten to add rows after its closing bracket.
      throw new FerrisError(
        'FERRIS_UNSUPPORTED',
        `Sink "${this.#context.name}" cannot keep one JSON array file (${this.#options.path}) up to date`,
        {
          subject: `${this.#context.name}.format`,
          value: 'json',
          hint: 'Use format jsonl for a single file, or a directory path for JSON array part files',
        },
      )
    }
    const dir = directory ? this.#target : dirname(this.#target)
    await mkdir(dir, { recursive: true }).catch((error) => {
      throw writeError(error, dir)
    })
  }

  async validateSchema(schema: Schema): Promise<void> {
    partitionIndexes(schema, this.#options.partition_by ?? [], this.#context.name)
  }

  get mode(): 'file' | 'directory' | undefined {
    return this.#mode
  }

  async createWriter(options: WriterOptions): Promise<DataWriter> {
    if (this.#mode === undefined || this.#format === undefined) await this.open()
    await this.validateSchema(options.schema)
    if (this.#mode === 'directory') {
      return new DirectoryWriter(
        this.#target,
        this.#options,
        this.#context,
        options.schema,
        options.jobId,
        this.#format!,
      )
    }

    if (this.#format!.createEncoder === undefined) {
      return new SingleParquetWriter(this.#target, this.#context, options.schema, this.#format!)
    }

    return new SingleFileWriter(this.#target, this.#context, options.schema, this.#format!)
  }

  async close(): Promise<void> {}
}
