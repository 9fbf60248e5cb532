import { type ConnectorContext, FerrisError, type Position } from '@ferris/core'
import type pg from 'pg'
import type { PostgresOptions } from '../options.js'
import { classifyError } from '../sql/classify-error.js'
import { connectClient, rawTypes } from '../sql/connect.js'
import { qualifiedName, quoteIdent, quoteLiteral } from '../sql/identifiers.js'
import type { CdcStart } from './cdc-reader.js'
import { type CdcPosition, isCdcPosition, parseLsn } from './positions.js'
import { SnapshotCursor } from './snapshot-cursor.js'
import { SnapshotKey } from './snapshot-key.js'

const SLOT_NAME = /^[a-z0-9_]{1,63}$/

/**
 * Gets a change-capture reader ready: the table's replica identity, the publication, the slot and, for a
 * fresh start with `snapshot=true`, a snapshot consistent with the slot.
 *
 * Why no gap and no overlap: `CREATE_REPLICATION_SLOT ... EXPORT_SNAPSHOT` returns the slot's consistent
 * point and exports the snapshot that sees exactly the transactions committed before it. The snapshot is
 * imported (`SET TRANSACTION SNAPSHOT`) into a REPEATABLE READ transaction on another connection before the
 * replication connection does anything else, as PostgreSQL requires, and the table is read through a cursor
 * in it. The stream then starts at the consistent point and carries exactly the transactions committed after it.
 */
export async function prepareCdc(args: {
  options: PostgresOptions
  context: ConnectorContext
  slot: string
  publication: string
  table: string
  from: Position | undefined
  select: string
}): Promise<CdcStart> {
  const { options, context, slot, publication, table } = args
  const subject = context.name
  if (!SLOT_NAME.test(slot)) {
    throw new FerrisError(
      'FERRIS_CONFIG_INVALID',
      `${subject}: ${JSON.stringify(slot)} is not a valid replication slot name`,
      {
        subject: `${subject}.slot`,
        value: slot,
        expected: 'lower-case letters, digits and _, at most 63 characters',
      },
    )
  }
  const from = isCdcPosition(args.from) ? args.from : undefined
  if (from !== undefined && from.slot !== slot) {
    throw new FerrisError(
      'FERRIS_CHECKPOINT_FAILED',
      `${subject}: the checkpoint was taken from slot ${from.slot}, not ${slot}`,
      {
        subject: `${subject}.slot`,
        value: slot,
        hint: `Set slot=${from.slot}, or start without the checkpoint`,
      },
    )
  }
  const qualified = qualifiedName(options.schema, table)
  const client = await connectClient(options, subject)
  let createdPublication = false
  try {
    await ensureReplicaIdentity(client, options, context, table, qualified)
    createdPublication = await ensurePublication(client, options, subject, publication, qualified)
    const existing = await client.query<{ confirmed: string | null }>(
      `SELECT confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE slot_name = $1`,
      [slot],
    )
    const slotExists = existing.rows.length > 0
    const key = await SnapshotKey.find(client, options.schema, table)
    const onClose = async () => {
      if (!options.drop_slot_on_close) return
      await dropSlot(options, subject, slot, createdPublication ? publication : undefined)
    }

    if (from !== undefined && from.phase === 'stream') {
      if (!slotExists) {
        throw new FerrisError('FERRIS_NOT_FOUND', `${subject}: replication slot ${slot} no longer exists`, {
          subject: `${subject}.slot`,
          value: slot,
          hint: 'Changes after the checkpoint are lost with the slot; start the job without the checkpoint to read a new snapshot',
        })
      }

      return { slot, publication, schemaName: options.schema, table, position: from, key, onClose }
    }
    if (from !== undefined && slotExists && key !== undefined && resumable(from, key, existing.rows[0]!.confirmed)) {
      return await resumeSnapshot(args, qualified, key, from, onClose)
    }
    if (slotExists && (options.snapshot || from !== undefined)) {
      // A slot without a usable checkpoint (the job never committed, or stopped inside a snapshot that
      // cannot continue by key): its snapshot is gone, so it is created again and the snapshot read again.
      // Rows already handed over are then handed over again (at-least-once for the snapshot).
      if (from !== undefined) {
        context.logger.log('warn', 'the snapshot cannot continue where it stopped; reading it again', {
          slot,
          table: qualified,
          reason:
            key === undefined
              ? 'the table has no primary key of integer, text or uuid columns'
              : 'the position holds no key to continue after, or the slot moved on',
        })
      }
      context.logger.log('info', 'recreating the replication slot for a new snapshot', { slot })
      await client.query('SELECT pg_drop_replication_slot($1)', [slot])
    } else if (slotExists) {
      const lsn = existing.rows[0]!.confirmed ?? '0/0'

      return { slot, publication, schemaName: options.schema, table, position: streamAt(slot, lsn), key, onClose }
    }
    if (!options.create_slot) {
      throw new FerrisError('FERRIS_NOT_FOUND', `${subject}: replication slot ${slot} does not exist`, {
        subject: `${subject}.slot`,
        value: slot,
        hint: 'Create it, or set create_slot=true',
      })
    }

    return await createSlot(args, qualified, key, onClose)
  } catch (error) {
    throw classifyError(error, subject, `preparing change capture of ${qualified}`)
  } finally {
    await client.end().catch(() => {})
  }
}

function streamAt(slot: string, lsn: string): CdcPosition {
  return { mode: 'cdc', slot, phase: 'stream', lsn }
}

async function ensureReplicaIdentity(
  client: pg.Client,
  options: PostgresOptions,
  context: ConnectorContext,
  table: string,
  qualified: string,
): Promise<void> {
  const subject = context.name
  const result = await client.query<{ ident: string }>(
    `SELECT c.relreplident AS ident FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2`,
    [options.schema, table],
  )
  const ident = result.rows[0]?.ident
  if (ident === undefined) {
    throw new FerrisError('FERRIS_NOT_FOUND', `${subject}: table ${qualified} does not exist`, {
      subject: `${subject}.table`,
      value: qualified,
    })
  }
  if (ident === 'f') return
  if (options.replica_identity_full) {
    await client.query(`ALTER TABLE ${qualified} REPLICA IDENTITY FULL`)

    return
  }
  // The user chose to keep the identity: updates then carry no old row, so there is no UPDATE_BEFORE, and
  // an unchanged TOAST value cannot be filled in (that row becomes a bad record).
  context.logger.log('warn', 'the table is not REPLICA IDENTITY FULL: updates carry no old values', {
    table: qualified,
  })
}

async function ensurePublication(
  client: pg.Client,
  options: PostgresOptions,
  subject: string,
  publication: string,
  qualified: string,
): Promise<boolean> {
  const found = await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication])
  if (found.rows.length > 0) return false
  if (!options.create_publication) {
    throw new FerrisError('FERRIS_NOT_FOUND', `${subject}: publication ${publication} does not exist`, {
      subject: `${subject}.publication`,
      value: publication,
      hint: `Run CREATE PUBLICATION ${quoteIdent(publication)} FOR TABLE ${qualified}, or set create_publication=true`,
    })
  }
  await client.query(`CREATE PUBLICATION ${quoteIdent(publication)} FOR TABLE ${qualified}`)

  return true
}

async function createSlot(
  args: Parameters<typeof prepareCdc>[0],
  qualified: string,
  key: SnapshotKey | undefined,
  onClose: () => Promise<void>,
): Promise<CdcStart> {
  const { options, context, slot, publication, table } = args
  const subject = context.name
  const replication = await connectClient(options, subject, { replication: 'database' } as Partial<pg.ClientConfig>)
  try {
    const created = await replication.query<{ consistent_point: string; snapshot_name: string | null }>({
      text: `CREATE_REPLICATION_SLOT ${quoteIdent(slot)} LOGICAL pgoutput ${options.snapshot ? 'EXPORT_SNAPSHOT' : 'NOEXPORT_SNAPSHOT'}`,
      types: rawTypes,
    })
    const row = created.rows[0]!
    if (!options.snapshot || row.snapshot_name === null) {
      return {
        slot,
        publication,
        schemaName: options.schema,
        table,
        position: streamAt(slot, row.consistent_point),
        key,
        onClose,
      }
    }
    const position: CdcPosition = {
      mode: 'cdc',
      slot,
      phase: 'snapshot',
      lsn: row.consistent_point,
      ...(key === undefined ? {} : { snapshots: [{ lsn: row.consistent_point }] }),
    }
    const select = key === undefined ? args.select : `${args.select} ORDER BY ${key.orderBy()}`
    const snapshot = await importSnapshot(options, subject, row.snapshot_name, select)
    context.logger.log('info', 'change capture starts with a snapshot', {
      slot,
      table: qualified,
      lsn: row.consistent_point,
      ordered: key !== undefined,
    })

    return { slot, publication, schemaName: options.schema, table, position, snapshot, key, onClose }
  } finally {
    // Only now, with the snapshot imported, may the exporting connection go.
    await replication.end().catch(() => {})
  }
}

/**
 * The checkpoint is inside a snapshot read in key order, and the slot still stands at the snapshot's
 * consistent point (it only moves once the stream phase commits).
 */
function resumable(from: CdcPosition, key: SnapshotKey, confirmed: string | null): boolean {
  if (from.phase !== 'snapshot' || from.snapshots === undefined || from.snapshots.length === 0) return false
  if (from.after === undefined || from.after.length !== key.columns.length) return false

  return confirmed === null || parseLsn(confirmed) <= parseLsn(from.lsn)
}

/**
 * Continues a snapshot after its last key handed over. The slot's own snapshot died with the old
 * connection, so a temporary slot exports a new one at its own consistent point; the rest of the table is
 * read from it. The slot still streams from the first consistent point: the reader drops the changes to keys
 * of this new part that the new snapshot already shows (those committed before its consistent point), so
 * every change is delivered once.
 */
async function resumeSnapshot(
  args: Parameters<typeof prepareCdc>[0],
  qualified: string,
  key: SnapshotKey,
  from: CdcPosition,
  onClose: () => Promise<void>,
): Promise<CdcStart> {
  const { options, context, slot, publication, table } = args
  const subject = context.name
  const after = from.after!
  const replication = await connectClient(options, subject, { replication: 'database' } as Partial<pg.ClientConfig>)
  try {
    const created = await replication.query<{ consistent_point: string; snapshot_name: string | null }>({
      text: `CREATE_REPLICATION_SLOT ${quoteIdent(`${slot.slice(0, 55)}_resume`)} TEMPORARY LOGICAL pgoutput EXPORT_SNAPSHOT`,
      types: rawTypes,
    })
    const row = created.rows[0]!
    const select = `${args.select} WHERE ${key.after(after)} ORDER BY ${key.orderBy()}`
    const snapshot = await importSnapshot(options, subject, row.snapshot_name!, select)
    const position: CdcPosition = {
      mode: 'cdc',
      slot,
      phase: 'snapshot',
      lsn: from.lsn,
      snapshots: [...from.snapshots!, { lsn: row.consistent_point, from: after }],
      after,
    }
    context.logger.log('info', 'change capture continues its snapshot after the last key handed over', {
      slot,
      table: qualified,
      after,
      lsn: row.consistent_point,
    })

    return { slot, publication, schemaName: options.schema, table, position, snapshot, key, onClose }
  } finally {
    // The temporary slot goes with this connection, once the snapshot is imported.
    await replication.end().catch(() => {})
  }
}

/** A REPEATABLE READ transaction that imports an exported snapshot, with a cursor for `select` in it. */
async function importSnapshot(
  options: PostgresOptions,
  subject: string,
  name: string,
  select: string,
): Promise<{ client: pg.Client; cursor: SnapshotCursor }> {
  const client = await connectClient(options, subject)
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    await client.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(name)}`)
    const cursor = await SnapshotCursor.declare(client, 'ferris_cdc_snapshot', select)

    return { client, cursor }
  } catch (error) {
    await client.end().catch(() => {})
    throw error
  }
}

/** Drops the slot (retrying while its walsender lets go of it) and a publication this source created. */
export async function dropSlot(
  options: PostgresOptions,
  subject: string,
  slot: string,
  publication?: string,
): Promise<void> {
  const client = await connectClient(options, subject)
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(
          'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
          [slot],
        )
        break
      } catch (error) {
        // 55006: the slot is still active while the walsender ends.
        if ((error as { code?: string }).code !== '55006' || attempt >= 50) throw error
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    if (publication !== undefined) await client.query(`DROP PUBLICATION IF EXISTS ${quoteIdent(publication)}`)
  } catch (error) {
    throw classifyError(error, subject, `dropping replication slot ${slot}`)
  } finally {
    await client.end().catch(() => {})
  }
}
