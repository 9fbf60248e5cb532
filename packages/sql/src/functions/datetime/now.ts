import { floorDiv, NANOS_PER_DAY, NANOS_PER_MICRO, T } from '@ferris/core'
import { bound, checkArity } from '../bind-support.js'
import { defineFunction } from '../define.js'
import { zoneNamed } from './zones.js'

const SIGNATURE = 'NOW() → TIMESTAMP(6) WITH TIME ZONE'

/**
 * The start of the statement (EvalContext.queryStartNanos), the same for every row of a query, as
 * PostgreSQL's now(). The type carries the session time zone the query was planned with (UTC when none),
 * so EXTRACT(HOUR FROM NOW()) reads the session's wall clock. Microsecond precision, as PostgreSQL.
 */
export const now = defineFunction({
  name: 'NOW',
  aliases: ['CURRENT_TIMESTAMP'],
  signature: SIGNATURE,
  bind(argTypes, _literals, context) {
    checkArity('NOW', SIGNATURE, argTypes, 0)
    const zone = context?.timeZone ?? 'UTC'
    zoneNamed(zone, 'NOW')

    return bound(
      T.timestamp('us', zone),
      (_args, ctx) => floorDiv(ctx.queryStartNanos, NANOS_PER_MICRO) * NANOS_PER_MICRO,
    )
  },
})

const DATE_SIGNATURE = 'CURRENT_DATE() → DATE'

/** Today's date at the start of the statement, in the session time zone. */
export const currentDate = defineFunction({
  name: 'CURRENT_DATE',
  signature: DATE_SIGNATURE,
  bind(argTypes, _literals, context) {
    checkArity('CURRENT_DATE', DATE_SIGNATURE, argTypes, 0)
    const zone = zoneNamed(context?.timeZone ?? 'UTC', 'CURRENT_DATE')

    return bound(T.date, (_args, ctx) => Number(floorDiv(zone.toLocal(ctx.queryStartNanos), NANOS_PER_DAY)))
  },
})
