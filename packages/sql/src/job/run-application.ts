import { createHash } from 'node:crypto'
import { isAbsolute, join, resolve } from 'node:path'
import {
  type BadRecord,
  type ConnectorContext,
  type ConnectorMetrics,
  type ConnectorRegistry,
  type DataReader,
  type DataSink,
  type DataSource,
  type DataWriter,
  FerrisError,
  isFerrisError,
  type JsonValue,
  type Logger,
  noopMetrics,
  type Position,
  type RecordBatch,
  type Row,
  type RowLocation,
  type Schema,
  silentLogger,
  toFerrisError,
  type UpstreamSource,
  type Value,
} from '@ferris/core'
import { BadRecordPolicy, DeadLetterQueue } from '@ferris/recovery'
import type { EndpointRef } from '../analyzer/endpoints.js'
import type { OperatorLibrary } from '../analyzer/operator-library.js'
import type { MutableEvalContext } from '../execution/compile-expression.js'
import { JobTables } from '../execution/job-tables.js'
import { Pipeline, type PipelineBatch } from '../execution/operators.js'
import { explainJob } from '../planner/explain.js'
import type { ApplicationPlan, JobPlan } from '../planner/logical-plan.js'
import { plan } from '../planner/planner.js'
import { changelogOf, countEvictions } from './aggregate-state.js'
import { type Checkpoint, CheckpointStore } from './checkpoint-store.js'
import { JobClosers } from './job-closers.js'
import { JobObservability, type Observability, teeMetrics } from './job-observability.js'
import { fromSecondStream, MergedReader, splitPosition } from './merged-reader.js'
import { type ApplicationProgress, type JobProgress, snapshotProgress } from './progress.js'
import { TableFeeds, type TablesCheckpoint } from './table-feeds.js'

export interface RunApplicationOptions {
  /** Where sources and sinks come from: the plugins the host registered. */
  readonly registry: ConnectorRegistry
  /** Base for relative paths and the default checkpoint folder; `process.cwd()` by default. */
  readonly cwd?: string
  /** `--set key=value` overrides of WITH properties and job settings. */
  readonly set?: Readonly<Record<string, string>>
  readonly logger?: Logger
  /** Receives what connectors and recovery policies count, besides `observability.metrics`. */
  readonly metrics?: ConnectorMetrics
  /** Prometheus metrics and health of every job, source and sink (what `ferris run --http` serves). */
  readonly observability?: Observability
  /** Stops every job: reading ends, output so far is flushed and committed, everything is closed. */
  readonly signal?: AbortSignal
  /** Called after every batch and checkpoint with a copy of the counters. */
  readonly onProgress?: (progress: ApplicationProgress) => void
  /** Default time between checkpoints when a job sets no `job.checkpoint.interval`; 10 s. */
  readonly checkpointIntervalMs?: number
  /** Processing time in epoch milliseconds for `job.state.ttl`; `Date.now` unless a test injects a clock. */
  readonly clock?: () => number
  /**
   * Receives the rows of bare SELECT statements, batch by batch; awaited, so a slow consumer slows the
   * source. Without it the rows are collected into the result.
   */
  readonly onRows?: (job: string, batch: RecordBatch) => void | Promise<void>
  /** File name of the SQL text, for error locations. */
  readonly fileName?: string
  readonly library?: OperatorLibrary
  /**
   * Start every job from its sources' beginning instead of resuming from its last checkpoint (`ferris run
   * --fresh`), e.g. to run a finished batch job again.
   */
  readonly fresh?: boolean
  /** Epoch nanoseconds at which the query "starts", for NOW(); the wall clock by default. */
  readonly now?: () => bigint
}

export interface JobResult extends JobProgress {
  readonly schema: Schema
  /** Rows of a bare SELECT when no `onRows` was given. */
  readonly rows?: Row[]
}

export interface ApplicationResult {
  readonly plan: ApplicationPlan
  readonly jobs: readonly JobResult[]
}

const DEFAULT_CHECKPOINT_INTERVAL_MS = 10_000

/**
 * Runs a SQL application: checks it whole (names, types, WITH keys, connector options), then runs every
 * statement as a job until its bounded sources end or `signal` aborts.
 *
 * Each job reads a batch, runs it through its compiled pipeline and awaits the sink's `write` before
 * reading the next, so at most one batch per job is in flight (plus what the sink buffers until
 * `flush`). At every checkpoint and at the end: `flush` then `commit` on every sink (dead-letter sinks
 * included), then the checkpoint file (positions and operator state), then `commit` on the readers.
 */
export async function runApplication(sql: string, options: RunApplicationOptions): Promise<ApplicationResult> {
  const cwd = options.cwd ?? process.cwd()
  const logger = options.logger ?? silentLogger
  const controller = new AbortController()
  const onAbort = () => controller.abort(options.signal?.reason)
  options.signal?.addEventListener('abort', onAbort, { once: true })
  const holders = new Map<EndpointRef, JobEnv>()
  const created = new Map<EndpointRef, DataSource>()
  const contextFor = (ep: EndpointRef): ConnectorContext => ({
    name: ep.name,
    logger: logger.child({ module: 'sql', [ep.role]: ep.name }),
    metrics: teeMetrics(options.metrics, options.observability?.metrics?.forEndpoint(ep.name)) ?? noopMetrics,
    signal: controller.signal,
    cwd,
    reportBadRecord: (record) => {
      const env = holders.get(ep)
      if (env === undefined) throw record.error
      env.policy.report(record)
    },
  })
  let planned: ApplicationPlan
  try {
    planned = await plan(sql, {
      registry: options.registry,
      cwd,
      ...(options.set === undefined ? {} : { set: options.set }),
      ...(options.fileName === undefined ? {} : { fileName: options.fileName }),
      ...(options.library === undefined ? {} : { library: options.library }),
      discoverSchema: async (ep) => {
        const source = options.registry.createSource(
          { name: ep.name, role: 'source', properties: ep.properties },
          contextFor(ep),
        )
        created.set(ep, source)
        return source.discoverSchema()
      },
    })
  } catch (e) {
    await Promise.allSettled([...created.values()].map((s) => s.close()))
    throw e
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
  options.signal?.addEventListener('abort', onAbort, { once: true })
  if (options.signal?.aborted) controller.abort(options.signal.reason)
  // Sources with a declared schema were not created for discovery.
  for (const job of planned.jobs) {
    for (const ep of job.sources) {
      if (created.has(ep)) continue
      created.set(
        ep,
        options.registry.createSource({ name: ep.name, role: 'source', properties: ep.properties }, contextFor(ep)),
      )
    }
  }

  const progress: JobProgress[] = planned.jobs.map((job) => ({
    name: job.name,
    state: 'starting',
    sources: Object.fromEntries(job.sources.map((s) => [s.name, { read: 0, bad: 0 }])),
    sink: { name: job.sink.kind === 'endpoint' ? job.sink.endpoint.name : 'caller', written: 0, bad: 0 },
    deadLettered: 0,
    checkpoints: 0,
    lastCheckpointId: 0,
  }))
  const report = () => options.onProgress?.(snapshotProgress(progress))
  const startNanos = options.now?.() ?? BigInt(Date.now()) * 1_000_000n
  try {
    const outcomes = await Promise.allSettled(
      planned.jobs.map(async (job, i) => {
        const env: JobEnv = {
          job,
          progress: progress[i]!,
          policy: new BadRecordPolicy({ modeFor: () => 'fail' }),
          options,
          cwd,
          logger: logger.child({ module: 'sql', job: job.name }),
          signal: controller.signal,
          report,
          contextFor,
          sources: new Map(job.sources.map((s) => [s, created.get(s)!])),
          startNanos,
          observe: new JobObservability(
            job.name,
            options.observability,
            options.metrics,
            logger.child({ module: 'recovery', job: job.name }),
          ),
        }
        for (const s of job.sources) holders.set(s, env)
        if (job.sink.kind === 'endpoint') holders.set(job.sink.endpoint, env)
        try {
          return await runJob(env)
        } catch (e) {
          env.progress.state = 'failed'
          env.observe.failed(e)
          controller.abort(e)
          throw e
        }
      }),
    )
    const failure = outcomes.find((o) => o.status === 'rejected')
    if (failure !== undefined) throw (failure as PromiseRejectedResult).reason

    return { plan: planned, jobs: outcomes.map((o) => (o as PromiseFulfilledResult<JobResult>).value) }
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
    await Promise.allSettled([...created.values()].map((s) => s.close()))
  }
}

interface JobEnv {
  readonly job: JobPlan
  readonly progress: JobProgress
  policy: BadRecordPolicy
  readonly options: RunApplicationOptions
  readonly cwd: string
  readonly logger: Logger
  readonly signal: AbortSignal
  readonly report: () => void
  readonly contextFor: (ep: EndpointRef) => ConnectorContext
  readonly sources: ReadonlyMap<EndpointRef, DataSource>
  readonly startNanos: bigint
  readonly observe: JobObservability
}

/** Something that takes part in a checkpoint: the job's sink and every dead-letter sink. */
interface Committer {
  flush(): Promise<void>
  commit(info: { checkpointId: number; positions: Readonly<Record<string, Position>> }): Promise<void>
}

async function runJob(env: JobEnv): Promise<JobResult> {
  const { job, progress, options, logger } = env
  // Limitation: at most two streams per job (a stream-to-stream join reads them alternately, not merged
  // by event time); tables are fed beside the stream (TableFeeds).
  const sourceRef = job.sources[0]!
  const source = env.sources.get(sourceRef)!
  const schema = job.root.schema
  const closers = new JobClosers()
  const store = checkpointStore(env)
  const committers: Committer[] = []
  const rows: Row[] | undefined = job.sink.kind === 'caller' && options.onRows === undefined ? [] : undefined

  // Loaded first: a dead-letter sink of a resumed job continues after what earlier runs committed to it.
  const saved = store === undefined ? undefined : await store.load()
  // Dead-letter sinks: one queue per target, shared by the endpoints that name it.
  const queues = new Map<string, DeadLetterQueue>()
  for (const scope of [job.recovery.job, ...job.recovery.endpoints.values()]) {
    const target = scope.badRecords === 'dead_letter' ? scope.deadLetter : undefined
    if (target === undefined || queues.has(target.name)) continue
    const dlqRef: EndpointRef = {
      name: target.name,
      role: 'sink',
      properties: target.spec.properties,
      span: job.statement.span,
      propertySpans: {},
    }
    const queue = new DeadLetterQueue({
      sink: options.registry.createSink(target.spec, env.contextFor(dlqRef)),
      jobId: job.name,
      target: typeof target.spec.properties.uri === 'string' ? target.spec.properties.uri : target.name,
      ...(options.now === undefined ? {} : { now: options.now }),
    })
    queues.set(target.name, queue)
    closers.connector(() => queue.close())
    await queue.open(env.signal, {
      resume: saved !== undefined && options.fresh !== true,
      lastCheckpointId: saved?.checkpointId ?? 0,
    })
    committers.push(queue)
  }
  const badRecordMetrics = env.observe.metricsFor(job.name)
  env.policy = BadRecordPolicy.fromConfig(job.recovery, queues, {
    logger,
    ...(badRecordMetrics === undefined ? {} : { metrics: badRecordMetrics }),
  })

  // The source opens while the sink is set up (their connection round trips overlap); it is read from only
  // once the sink has said where to resume. Closed even if something fails before then.
  const sourceOpening = source.open()
  sourceOpening.catch(() => {})
  closers.connector(() =>
    sourceOpening.then(
      () => source.close(),
      () => {},
    ),
  )
  try {
    const pending = store === undefined ? undefined : await store.loadPending()
    const fingerprint = planFingerprint(job)
    if (saved?.plan !== undefined && saved.plan !== fingerprint && options.fresh !== true) {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `Job ${job.name} changed since its checkpoint ${saved.checkpointId} was taken: its operators, columns or connectors differ, so the saved positions and state do not fit it`,
        {
          subject: job.name,
          location: { checkpoint: store?.path ?? '' },
          hint: `Run it with --fresh to start over from the sources' beginning, or give the changed job its own name ('job.name' = '...')`,
          retryable: false,
        },
      )
    }
    // The sink first: a sink that stores positions (a transactional table) says where to resume.
    let writer: DataWriter | undefined
    if (job.sink.kind === 'endpoint') {
      const ep = job.sink.endpoint
      const sink: DataSink = options.registry.createSink(
        { name: ep.name, role: 'sink', properties: ep.properties },
        env.contextFor(ep),
      )
      closers.connector(() => sink.close())
      await sink.open()
      await sink.validateSchema(schema)
      // Retries, breaker and timeout wrap the writer; `close` stays unwrapped (the job is giving up or done).
      // Not bound to the job's signal: a stopping job still flushes and commits, with retries.
      const w = env.observe.writer(
        await sink.createWriter({
          schema,
          jobId: job.name,
          lastCheckpointId: saved?.checkpointId ?? 0,
          sources: upstreamSources(env),
        }),
        ep.name,
        job.recovery.for(ep.name).resilience,
        env.signal,
      )
      writer = w
      closers.part(() => w.close())
      committers.unshift(w)
    }
    // A checkpoint left pending by a crash: taken when the sink's last commit holds it, dropped otherwise.
    const adopt =
      pending !== undefined && options.fresh !== true && (await sinkHolds(pending, saved, writer, sourceRef.name))
    if (pending !== undefined) await (adopt ? store!.completePending() : store!.discardPending())
    const stored = adopt ? pending : saved
    // With `fresh`, earlier progress is ignored: sources start from their configured beginning and the
    // checkpoint ids continue, so sinks that name output by checkpoint id never overwrite earlier output.
    const checkpoint = options.fresh === true ? undefined : stored
    let positions: Record<string, Position> = { ...(checkpoint?.positions ?? {}) }
    if (options.fresh !== true && writer?.committedPositions !== undefined) {
      const stored = await writer.committedPositions()
      if (stored !== undefined) positions = { ...stored }
    }
    // Ids are never reused, not even that of a pending checkpoint whose commit did not complete.
    let checkpointId = Math.max(saved?.checkpointId ?? 0, pending?.checkpointId ?? 0)
    const twoPhase = store !== undefined && writer?.committedPositions !== undefined
    if (checkpoint?.finished === true && positions[sourceRef.name] !== undefined) {
      logger.log(
        'warn',
        `Job ${job.name} already finished at checkpoint ${checkpointId}; resuming reads nothing new from bounded sources. Run it with --fresh to process everything again`,
        {
          checkpoint: store?.path,
        },
      )
    }

    await sourceOpening
    const from = positions[sourceRef.name]
    // A stream-to-stream join reads its second stream beside the first; the position holds both.
    const second = streamJoined(job)
    const [firstFrom, secondFrom] = second === undefined ? [from, undefined] : splitPosition(from)
    let reader: DataReader = env.observe.reader(
      await source.createReader({
        schema: sourceSchema(job),
        batchSize: job.settings.batchSize,
        ...(firstFrom === undefined || firstFrom === null ? {} : { from: firstFrom }),
      }),
      sourceRef.name,
      job.recovery.for(sourceRef.name).resilience,
      env.signal,
    )
    let mergedStreams: MergedReader | undefined
    if (second !== undefined) {
      const other = env.sources.get(second.ref)!
      await other.open()
      closers.connector(() => other.close())
      const otherReader = env.observe.reader(
        await other.createReader({
          schema: second.schema,
          batchSize: job.settings.batchSize,
          ...(secondFrom === undefined || secondFrom === null ? {} : { from: secondFrom }),
        }),
        second.ref.name,
        job.recovery.for(second.ref.name).resilience,
        env.signal,
      )
      mergedStreams = new MergedReader(reader, otherReader, [firstFrom, secondFrom])
      reader = mergedStreams
    }
    const merged = reader
    closers.part(() => merged.close())

    const context: MutableEvalContext = { queryStartNanos: env.startNanos, timeZone: job.settings.timeZone }
    // Records of the current batch, for naming the source position of a row that fails to evaluate.
    // `source`: the stream the batch came from (a stream-to-stream join reads two); ordinals count per stream.
    let current: { batch: RecordBatch; source: string; ordinalBase: number; before: Position | undefined } | undefined
    let readCount = 0
    const readCounts = new Map<string, number>()
    const onRowError = (error: unknown, index: number, row: Row) => {
      // A negative index: the row was read in an earlier batch (an operator held it), so only its values are known.
      const cur = index < 0 ? undefined : current
      const origin = cur?.source ?? sourceRef.name
      const meta = cur?.batch.meta?.[index]
      const ordinal = (cur?.ordinalBase ?? 0) + index + 1
      const located = cur?.batch.locate?.(index)
      const position: Record<string, string | number | bigint> = index < 0 ? {} : { ...located, record: ordinal }
      if (meta?.partition !== undefined) position.partition = meta.partition
      if (meta?.offset !== undefined) position.offset = meta.offset
      // Without a location of its own, the row is named by its ordinal after the batch's starting position.
      if (located === undefined && cur?.before !== undefined) position.after = JSON.stringify(cur.before)
      const cause = toFerrisError(error, 'FERRIS_EVALUATION')
      const described = describeLocation(located)
      const where =
        index < 0
          ? `a row of ${origin} read in an earlier batch`
          : described === undefined
            ? `record ${ordinal}${meta?.offset === undefined ? '' : ` (offset ${meta.offset})`} of ${origin}`
            : `${described} (record ${ordinal} of ${origin})`
      const record: BadRecord = {
        error: new FerrisError(cause.code, `Evaluating ${where} failed: ${cause.message}`, {
          ...cause.context,
          subject: origin,
          location: { source: origin, ...position },
          cause,
        }),
        origin,
        position,
        values: valuesOf(current?.batch.schema, row),
        ...(meta === undefined ? {} : { meta }),
        ...(meta?.raw === undefined ? {} : { raw: meta.raw }),
      }
      env.policy.report(record)
    }
    // Tables (join table sides, what subqueries read): loaded before the stream starts; a bounded one is read
    // again on every restart, one kept current by its changes resumes from the checkpoint.
    const tables = new JobTables(job, context)
    const pipeline = new Pipeline(
      job.root,
      context,
      onRowError,
      {
        ...changelogOf(
          { name: sourceRef.name, source },
          second === undefined ? undefined : { name: second.ref.name, source: env.sources.get(second.ref)! },
        ),
        ...(job.settings.stateTtlMs === undefined ? {} : { stateTtlMs: job.settings.stateTtlMs }),
        ...(options.clock === undefined ? {} : { clock: options.clock }),
      },
      tables.states,
    )
    pipeline.start({ bounded: source.capabilities.bounded, source: sourceRef.name })
    if (checkpoint !== undefined) pipeline.restore(checkpoint.state)
    const feeds = new TableFeeds({
      tables,
      sources: env.sources,
      refs: job.sources,
      batchSize: job.settings.batchSize,
      signal: env.signal,
      context,
      counted: (name, n) => {
        const counters = progress.sources[name]
        if (counters !== undefined) counters.read += n
      },
      report: (record) => env.policy.report(record),
      ...(job.settings.stateTtlMs === undefined ? {} : { stateTtlMs: job.settings.stateTtlMs }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      wrap: (r, name) => env.observe.reader(r, name, job.recovery.for(name).resilience, env.signal),
    })
    await feeds.open(checkpoint?.tables as TablesCheckpoint | undefined, closers)
    feeds.poll()

    const emit = async (batch: PipelineBatch) => {
      if (batch.rows.length === 0) return
      const out: RecordBatch = {
        schema,
        rows: batch.rows,
        ...(batch.meta === undefined ? {} : { meta: batch.meta }),
        ...(batch.kinds === undefined ? {} : { kinds: batch.kinds }),
        ...(batch.keyFields === undefined ? {} : { keyFields: batch.keyFields }),
      }
      if (writer !== undefined) await writer.write(out)
      else if (options.onRows !== undefined) await options.onRows(job.name, out)
      else rows!.push(...out.rows)
      progress.sink.written += out.rows.length
      env.observe.recordsOut(progress.sink.name, out.rows.length)
    }

    let position: Position | undefined = from
    let ended = false
    const takeCheckpoint = async (finished: boolean) => {
      checkpointId++
      const began = performance.now()
      const covered: Record<string, Position> = position === undefined ? {} : { [sourceRef.name]: position }
      await feeds.settle()
      const tablesState = feeds.snapshot()
      for (const c of committers) await c.flush()
      const cp: Checkpoint | undefined =
        store === undefined
          ? undefined
          : {
              version: 1,
              job: job.name,
              checkpointId,
              time: Date.now(),
              positions: { ...positions, ...covered },
              state: pipeline.snapshot(),
              finished,
              plan: fingerprint,
              ...(tablesState === undefined ? {} : { tables: tablesState as unknown as JsonValue }),
            }
      // A sink that stores positions holds them (and the output) as soon as it commits, before checkpoint.json
      // is complete: the state is saved first, as pending, so that a crash in between leaves the state that
      // belongs to those positions (the restart adopts it when the sink's commit holds this checkpoint).
      if (cp !== undefined && twoPhase) await store!.savePending(cp)
      for (const c of committers) await c.commit({ checkpointId, positions: covered })
      if (cp !== undefined) await (twoPhase ? store!.completePending() : store!.save(cp))
      if (position !== undefined) await reader.commit(position)
      await feeds.commit()
      env.observe.checkpointDuration((performance.now() - began) / 1000)
      progress.checkpoints++
      progress.lastCheckpointId = checkpointId
      updateBadCounts(env)
      if (logger.isLevelEnabled('debug'))
        logger.log('debug', `Checkpoint ${checkpointId} of ${job.name}`, { positions: covered })
      env.report()
    }

    const interval = job.settings.checkpointIntervalMs ?? options.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS
    let lastCheckpoint = Date.now()
    progress.state = 'running'
    env.observe.running()
    env.report()
    logger.log('info', `Job ${job.name} started`, { source: sourceRef.name, from: from ?? null })
    while (!env.signal.aborted) {
      const r = await reader.read()
      if (r.kind === 'batch') {
        const side = second !== undefined && fromSecondStream(r.batch) ? 1 : 0
        const name = side === 1 ? second!.ref.name : sourceRef.name
        const base = readCounts.get(name) ?? 0
        // The position before the batch, of the stream it came from.
        const before = second === undefined ? position : splitPosition(position)[side]
        current = { batch: r.batch, source: name, ordinalBase: base, before }
        readCounts.set(name, base + r.batch.rows.length)
        readCount += r.batch.rows.length
        progress.sources[name]!.read += r.batch.rows.length
        env.observe.recordsIn(name, r.batch.rows.length)
        // Table changes that arrived meanwhile apply first: each stream row sees the table as it is now.
        feeds.poll()
        if (mergedStreams !== undefined) {
          const pending = mergedStreams.pendingSplitsOf(side)
          if (pending !== undefined) pipeline.expectSplits(pending, side, mergedStreams.heldSplitsOf(side))
        } else if (reader.pendingSplits !== undefined)
          pipeline.expectSplits(reader.pendingSplits(), undefined, reader.heldSplits?.())
        await emit(pipeline.process(r.batch))
        if (pipeline.lateRecords !== undefined) progress.lateRecords = pipeline.lateRecords
        countEvictions(pipeline, progress, logger)
        position = r.position
        env.observe.watermarkLag(sourceRef.name, pipeline.operators)
        updateBadCounts(env)
        env.report()
        if (pipeline.done) break
      } else {
        position = r.position
        if (r.kind === 'end') {
          ended = true
          break
        }
        feeds.poll()
        for (const b of pipeline.idle(BigInt(Date.now()) * 1_000_000n)) await emit(b)
        countEvictions(pipeline, progress, logger)
      }
      if (Date.now() - lastCheckpoint >= interval) {
        await takeCheckpoint(false)
        lastCheckpoint = Date.now()
      }
    }
    progress.state = 'finishing'
    // A job that had already finished emits what its operators hold (EMIT FINAL groups) only if it read
    // something new; otherwise a rerun would write the final rows twice.
    if (checkpoint?.finished !== true || readCount > 0) for (const b of pipeline.finish()) await emit(b)
    await takeCheckpoint(ended || pipeline.done)
    progress.state = env.signal.aborted && !ended && !pipeline.done ? 'cancelled' : 'completed'
    logger.log('info', `Job ${job.name} ${progress.state}`, {
      read: progress.sources[sourceRef.name]!.read,
      written: progress.sink.written,
      ...(progress.lateRecords === undefined ? {} : { lateRecords: progress.lateRecords }),
      ...(progress.evictedGroups === undefined ? {} : { evictedGroups: progress.evictedGroups }),
    })
    env.report()

    return { ...snapshotProgress([progress]).jobs[0]!, schema, ...(rows === undefined ? {} : { rows }) }
  } catch (e) {
    progress.state = 'failed'
    updateBadCounts(env)
    env.report()
    throw isFerrisError(e) ? e : toFerrisError(e, 'FERRIS_INTERNAL', `Job ${job.name} failed: ${String(e)}`)
  } finally {
    await closers.closeAll((e) => logger.log('warn', `Closing a part of job ${job.name} failed`, { err: String(e) }))
  }
}

/**
 * Whether the sink's last commit holds the pending checkpoint (a crash came after the sink committed and before
 * the checkpoint was completed). The sink's checkpoint id decides; a sink that only gives positions is compared
 * by the job's source position.
 */
async function sinkHolds(
  pending: Checkpoint,
  complete: Checkpoint | undefined,
  writer: DataWriter | undefined,
  source: string,
): Promise<boolean> {
  if (writer?.committedPositions === undefined) return false
  if (writer.committedCheckpoint !== undefined) {
    const atSink = await writer.committedCheckpoint()
    return atSink !== undefined && atSink.checkpointId >= pending.checkpointId
  }
  const atSink = (await writer.committedPositions())?.[source]
  const same = (a: Position | undefined, b: Position | undefined) => JSON.stringify(a) === JSON.stringify(b)
  // Limitation: without checkpoint ids, a pending checkpoint at the same position as the complete one (the
  // final rows emitted at the end of input) cannot be told apart; the complete one is taken, so those rows
  // may be written twice (at-least-once).
  return same(atSink, pending.positions[source]) && !same(atSink, complete?.positions[source])
}

/** The second stream of a stream-to-stream (interval) join, if the job has one. */
function streamJoined(job: JobPlan): { ref: EndpointRef; schema: Schema } | undefined {
  for (let node = job.root; node.kind !== 'scan'; node = node.input) {
    if (node.kind === 'join' && node.interval !== undefined) {
      const ref = job.sources.find((s) => s.name === node.table.source)
      return ref === undefined ? undefined : { ref, schema: node.table.schema }
    }
  }

  return undefined
}

/**
 * The job's sources as its sink sees them (`WriterOptions.sources`): connector, endpoint, and whether the
 * commit carries the source's own position (only the driving stream's, and only when no second stream is
 * merged into it).
 */
function upstreamSources(env: JobEnv): UpstreamSource[] {
  const merged = streamJoined(env.job) !== undefined

  return env.job.sources.map((ref, i) => {
    const endpoint = env.sources.get(ref)?.endpoint
    return {
      name: ref.name,
      connector: env.options.registry.resolve({ name: ref.name, role: 'source', properties: ref.properties }).definition
        .scheme,
      ...(endpoint === undefined ? {} : { endpoint }),
      positioned: i === 0 && !merged,
    }
  })
}

function updateBadCounts(env: JobEnv): void {
  let dead = 0
  for (const [origin, c] of env.policy.allCounts()) {
    dead += c.deadLettered
    const bad = c.skipped + c.deadLettered
    const s = env.progress.sources[origin]
    if (s !== undefined) s.bad = bad
    else if (origin === env.progress.sink.name) env.progress.sink.bad = bad
  }
  env.progress.deadLettered = dead
}

function sourceSchema(job: JobPlan): Schema {
  let node = job.root
  while (node.kind !== 'scan') node = node.input

  return node.schema
}

function valuesOf(schema: Schema | undefined, row: Row): Record<string, Value> {
  const out: Record<string, Value> = {}
  const names = schema?.names ?? row.map((_, i) => `col_${i + 1}`)
  names.forEach((n, i) => {
    out[n] = row[i] ?? null
  })

  return out
}

/** Bare SELECTs keep no checkpoint unless one is asked for: running one twice shows the rows again. */
function checkpointStore(env: JobEnv): CheckpointStore | undefined {
  const { job, cwd } = env
  const dir = job.settings.checkpointDir
  if (dir === undefined && job.sink.kind === 'caller') return undefined
  const path =
    dir === undefined ? join(cwd, '.ferris', 'checkpoints', job.name) : isAbsolute(dir) ? dir : resolve(cwd, dir)

  return new CheckpointStore(path)
}

/** The plan's fingerprint that checkpoints carry: a hash of its EXPLAIN text. */
function planFingerprint(job: JobPlan): string {
  return createHash('sha256').update(explainJob(job)).digest('hex').slice(0, 32)
}

/** `line 12 of data/a.csv` or `row 7 of a.parquet` for a row whose source located it. */
function describeLocation(location: RowLocation | undefined): string | undefined {
  if (location === undefined || location.file === undefined) return undefined
  if (location.line !== undefined) return `line ${location.line} of ${location.file}`
  if (location.row !== undefined) return `row ${location.row} of ${location.file}`

  return undefined
}
