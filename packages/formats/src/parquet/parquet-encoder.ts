import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { FerrisError, isFerrisError } from '@ferris/core'
import type { RecordBatch as WasmBatch, WriterProperties } from 'parquet-wasm'
import type { ByteOutput } from '../io.js'
import type { ParquetWasmModule } from './parquet-wasm.js'

/** Encodes Arrow IPC record batches into Parquet bytes and writes them to the output, in order. */
export interface ParquetEncoder {
  /** Resolves when the encoder has room for the next batch. */
  push(ipc: Uint8Array): Promise<void>
  /** Ends the file (footer) and resolves when every byte is written. */
  close(): Promise<void>
  /** Stops; bytes not yet written are dropped, and no footer reaches the output. */
  abort(): Promise<void>
}

/** Writer settings in a form that crosses a thread boundary. */
export interface EncoderSettings {
  readonly compression: 'ZSTD' | 'SNAPPY' | 'GZIP' | 'UNCOMPRESSED'
  readonly rowGroupSize: number
  readonly createdBy: string
  /** Top-level columns to dictionary-encode (all others are not). */
  readonly dictionary: readonly string[]
  /** Top-level columns to delta-encode. */
  readonly delta: readonly string[]
}

export function writerProperties(pw: ParquetWasmModule, s: EncoderSettings): WriterProperties {
  let b = new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression[s.compression])
    .setMaxRowGroupSize(s.rowGroupSize)
    .setCreatedBy(s.createdBy)
    .setDictionaryEnabled(false)
  for (const c of s.dictionary) b = b.setColumnDictionaryEnabled(c, true)
  for (const c of s.delta) b = b.setColumnEncoding(c, pw.Encoding.DELTA_BINARY_PACKED)

  return b.build()
}

function encodeFailure(error: unknown): FerrisError {
  if (isFerrisError(error)) return error

  return new FerrisError(
    'FERRIS_IO',
    `Cannot write Parquet: ${error instanceof Error ? error.message : String(error)}`,
    {
      cause: error,
      retryable: false,
    },
  )
}

/**
 * Encodes on the calling thread with parquet-wasm's streaming encoder (`transformParquetStream`). The encoder pulls
 * one batch at a time; `push` resolves when it has taken its batch.
 */
export class InlineEncoder implements ParquetEncoder {
  readonly #pw: ParquetWasmModule
  readonly #props: WriterProperties
  readonly #output: ByteOutput
  readonly #written: (n: number) => void
  /** The batch waiting for the encoder; `null` ends the stream. */
  #slot: WasmBatch | null | undefined
  #onPull: (() => void) | undefined
  #onTaken: (() => void) | undefined
  #aborted = false
  #pump: Promise<void> | undefined
  #failure: unknown
  readonly #input: ReadableStream<WasmBatch>

  constructor(pw: ParquetWasmModule, settings: EncoderSettings, output: ByteOutput, written: (n: number) => void) {
    this.#pw = pw
    this.#props = writerProperties(pw, settings)
    this.#output = output
    this.#written = written
    this.#input = new ReadableStream<WasmBatch>(
      {
        pull: async (controller) => {
          while (this.#slot === undefined && !this.#aborted) await new Promise<void>((r) => (this.#onPull = r))
          if (this.#aborted) {
            controller.error(new Error('Parquet writing was aborted'))
            return
          }
          const batch = this.#slot!
          this.#slot = undefined
          if (batch === null) controller.close()
          else controller.enqueue(batch)
          this.#onTaken?.()
        },
      },
      { highWaterMark: 0 },
    )
  }

  async push(ipc: Uint8Array): Promise<void> {
    const table = this.#pw.Table.fromIPCStream(ipc)
    const batches = table.recordBatches()
    table.free()
    for (const batch of batches) await this.#offer(batch)
  }

  async close(): Promise<void> {
    await this.#offer(null)
    await this.#pump
    this.#throwIfFailed()
  }

  async abort(): Promise<void> {
    this.#aborted = true
    this.#onPull?.()
    await this.#pump?.catch(() => {})
  }

  async #offer(batch: WasmBatch | null): Promise<void> {
    this.#throwIfFailed()
    const taken = new Promise<void>((r) => (this.#onTaken = r))
    this.#slot = batch
    this.#onPull?.()
    // The encoder reads the first batch (for its schema) before it returns its output stream.
    this.#pump ??= this.#start()
    await Promise.race([taken, this.#pump])
    this.#throwIfFailed()
  }

  async #start(): Promise<void> {
    try {
      const bytes: ReadableStream<Uint8Array> = await this.#pw.transformParquetStream(this.#input, this.#props)
      for await (const chunk of bytes) {
        // After an abort the encoder still closes the file with a footer; those bytes must not reach the output,
        // or a reader would take the truncated file for a complete one.
        if (this.#aborted) break
        await this.#output.write(chunk)
        this.#written(chunk.byteLength)
      }
    } catch (error) {
      this.#failure = error
    }
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw encodeFailure(this.#failure)
  }
}

/**
 * parquet-wasm's WebAssembly module, compiled once per process and handed to every encoder thread.
 *
 * Why: each thread that loaded parquet-wasm's Node build compiled its own copy of the 5 MB module (about 30 ms of
 * CPU), and V8 then optimised that copy's hot functions again from scratch while the thread encoded. A compiled
 * `WebAssembly.Module` can be shared with worker threads, and instances of one module share its optimised code;
 * the threads instantiate it through parquet-wasm's ESM build (`initSync`), the same code as the Node build.
 */
let sharedModule: { module: object; esmUrl: string } | undefined

/** The global `WebAssembly` of Node, typed by hand: the build's `lib` has no WebAssembly declarations. */
const Wasm = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object } }).WebAssembly

function sharedParquetWasm(): { module: object; esmUrl: string } {
  if (sharedModule === undefined) {
    const require = createRequire(import.meta.url)
    const module = new Wasm.Module(readFileSync(require.resolve('parquet-wasm/esm/parquet_wasm_bg.wasm')))
    sharedModule = { module, esmUrl: pathToFileURL(require.resolve('parquet-wasm/esm')).href }
  }

  return sharedModule
}

/**
 * The worker's program (CommonJS, evaluated): the same streaming encoder as `InlineEncoder`, fed by messages.
 * Kept as text so that it runs the same from TypeScript sources (tests) and from the built package. One thread
 * encodes one file after another: each file starts with a `start` message carrying its settings and ends with
 * `end`. Messages are queued from the start, while parquet-wasm is being instantiated.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const queue = []
let wake
parentPort.on('message', (m) => { queue.push(m); if (wake) { const w = wake; wake = undefined; w() } })
async function next() {
  while (queue.length === 0) await new Promise((r) => { wake = r })
  return queue.shift()
}
function fail(error) {
  parentPort.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) })
}
import(workerData.esmUrl).then(async (pw) => {
  pw.initSync({ module: workerData.module })
  for (;;) {
    const s = (await next()).settings
    let b = new pw.WriterPropertiesBuilder().setCompression(pw.Compression[s.compression]).setMaxRowGroupSize(s.rowGroupSize)
      .setCreatedBy(s.createdBy).setDictionaryEnabled(false)
    for (const c of s.dictionary) b = b.setColumnDictionaryEnabled(c, true)
    for (const c of s.delta) b = b.setColumnEncoding(c, pw.Encoding.DELTA_BINARY_PACKED)
    const props = b.build()
    const input = new ReadableStream({
      async pull(controller) {
        const m = await next()
        if (m.type === 'end') { controller.close(); return }
        const table = pw.Table.fromIPCStream(new Uint8Array(m.ipc))
        const batches = table.recordBatches()
        table.free()
        for (const batch of batches) controller.enqueue(batch)
        parentPort.postMessage({ type: 'taken' })
      },
    }, { highWaterMark: 0 })
    try {
      const out = await pw.transformParquetStream(input, props)
      for await (const chunk of out) {
        const copy = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength ? chunk : chunk.slice()
        parentPort.postMessage({ type: 'chunk', bytes: copy }, [copy.buffer])
      }
      parentPort.postMessage({ type: 'done' })
    } catch (error) {
      // The encoder's state is unknown now: the thread is terminated, never reused.
      fail(error)
      return
    }
  }
}).catch((error) => fail(new Error('cannot load parquet-wasm: ' + (error instanceof Error ? error.message : String(error)))))
`

/**
 * Encoder threads that finished a file cleanly, kept for the next file: starting a thread and instantiating
 * parquet-wasm in it costs about 40 ms of CPU, which a sink rolling many objects paid for every one. At most
 * `MAX_IDLE_THREADS` wait; they are unref'd, so they never keep the process alive.
 */
const idleThreads: Worker[] = []
const MAX_IDLE_THREADS = 2

function takeThread(): Worker {
  const idle = idleThreads.pop()
  if (idle !== undefined) return idle
  const { module, esmUrl } = sharedParquetWasm()
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, esmUrl } })
  worker.unref()
  worker.on('exit', () => {
    const at = idleThreads.indexOf(worker)
    if (at >= 0) idleThreads.splice(at, 1)
  })

  return worker
}

/** Keeps a thread that ended its file cleanly for the next file, or stops it when enough wait already. */
async function releaseThread(worker: Worker): Promise<void> {
  if (idleThreads.length < MAX_IDLE_THREADS) {
    worker.unref()
    idleThreads.push(worker)
  } else await worker.terminate()
}

type WorkerMessage =
  | { type: 'taken' }
  | { type: 'chunk'; bytes: Uint8Array }
  | { type: 'done' }
  | { type: 'error'; message: string }

/** Output bytes waiting to be written before `push` waits for the output: keeps a slow output from piling up. */
const MAX_PENDING_OUTPUT = 32 * 1024 * 1024

/**
 * Encodes on a worker thread, so that building the next row group (and whatever produces the rows, such as CSV
 * parsing) overlaps with encoding and compressing the previous one. Batches travel as Arrow IPC buffers, moved
 * (not copied) between threads. At most one batch waits while another is encoded.
 */
export class WorkerEncoder implements ParquetEncoder {
  readonly #worker: Worker
  readonly #listeners: { message: (m: WorkerMessage) => void; error: (e: Error) => void; exit: (code: number) => void }
  readonly #output: ByteOutput
  readonly #written: (n: number) => void
  #sent = 0
  #taken = 0
  #done = false
  #failure: unknown
  #writing: Promise<void> = Promise.resolve()
  #pendingOutput = 0
  #aborted = false
  #waiters: Array<() => void> = []

  constructor(settings: EncoderSettings, output: ByteOutput, written: (n: number) => void) {
    this.#output = output
    this.#written = written
    this.#worker = takeThread()
    this.#listeners = {
      message: (m) => this.#onMessage(m),
      error: (error) => this.#fail(error),
      exit: (code) => {
        if (!this.#done && !this.#aborted) this.#fail(new Error(`the Parquet encoder thread exited with code ${code}`))
      },
    }
    this.#worker.on('message', this.#listeners.message)
    this.#worker.on('error', this.#listeners.error)
    this.#worker.on('exit', this.#listeners.exit)
    this.#worker.postMessage({ type: 'start', settings })
  }

  #detach(): void {
    this.#worker.off('message', this.#listeners.message)
    this.#worker.off('error', this.#listeners.error)
    this.#worker.off('exit', this.#listeners.exit)
  }

  #onMessage(m: WorkerMessage): void {
    if (this.#aborted) return
    if (m.type === 'taken') this.#taken++
    else if (m.type === 'chunk') {
      const bytes = m.bytes
      this.#pendingOutput += bytes.byteLength
      this.#writing = this.#writing.then(async () => {
        if (this.#aborted || this.#failure !== undefined) return
        try {
          await this.#output.write(bytes)
          this.#written(bytes.byteLength)
        } catch (error) {
          this.#fail(error)
        } finally {
          this.#pendingOutput -= bytes.byteLength
          this.#notify()
        }
      })
    } else if (m.type === 'done') this.#done = true
    else this.#fail(new Error(m.message))
    this.#notify()
  }

  #fail(error: unknown): void {
    this.#failure ??= error
    this.#notify()
  }

  #notify(): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const w of waiters) w()
  }

  /** Waits, with the worker keeping the process alive, until `ready()` or a failure. */
  async #until(ready: () => boolean): Promise<void> {
    this.#worker.ref()
    try {
      while (this.#failure === undefined && !ready()) await new Promise<void>((r) => this.#waiters.push(r))
    } finally {
      this.#worker.unref()
    }
    if (this.#failure !== undefined) throw encodeFailure(this.#failure)
  }

  async push(ipc: Uint8Array): Promise<void> {
    // Room: no batch waiting for the encoder (one may be being encoded), and the output keeping up. So the worker
    // holds at most two row groups, one encoding and one queued, while the caller fills a third.
    await this.#until(() => this.#sent === this.#taken && this.#pendingOutput < MAX_PENDING_OUTPUT)
    const own = ipc.byteOffset === 0 && ipc.byteLength === ipc.buffer.byteLength ? ipc : ipc.slice()
    this.#worker.postMessage({ type: 'batch', ipc: own.buffer }, [own.buffer as ArrayBuffer])
    this.#sent++
  }

  async close(): Promise<void> {
    this.#worker.postMessage({ type: 'end' })
    let clean = false
    try {
      await this.#until(() => this.#done)
      await this.#writing
      if (this.#failure !== undefined) throw encodeFailure(this.#failure)
      clean = true
    } finally {
      this.#detach()
      if (clean) await releaseThread(this.#worker)
      else await this.#worker.terminate()
    }
  }

  async abort(): Promise<void> {
    this.#aborted = true
    this.#notify()
    this.#detach()
    await this.#worker.terminate()
    await this.#writing
  }
}
