import { type Row, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { type InputWalk, readBatch } from '../../src/reading/read-batch.js'

const S = Schema.of(['id', T.int64])

/** Inputs as arrays of ids, read in order; `later` arrives at the first poll. */
function walk(inputs: bigint[][], later: bigint[][] = []): InputWalk<bigint[]> & { polls: number } {
  let taken = 0
  const w = {
    polls: 0,
    next: async () => inputs[0],
    take: async (input: bigint[], rows: Row[], max: number) => {
      while (rows.length < max && input.length > 0) {
        rows.push([input.shift()!])
        taken++
      }
      if (input.length === 0) inputs.shift()
    },
    poll: async () => {
      w.polls++
      inputs.push(...later.splice(0))
      return inputs.length > 0
    },
    position: () => ({ taken }),
  }

  return w
}

const options = { schema: S, batchSize: 3, watch: false, pollInterval: 60_000, signal: new AbortController().signal }

describe('[formats] readBatch', () => {
  it('fills batches across inputs, then ends with the position after the last row', async () => {
    const w = walk([[1n, 2n], [3n, 4n], [5n]])
    const first = await readBatch(w, options)
    expect(first.kind === 'batch' && first.batch.rows).toEqual([[1n], [2n], [3n]])
    expect(first.position).toEqual({ taken: 3 })
    const second = await readBatch(w, options)
    expect(second.kind === 'batch' && second.batch.rows).toEqual([[4n], [5n]])
    expect(await readBatch(w, options)).toEqual({ kind: 'end', position: { taken: 5 } })
  })

  it('watching, reads what a poll finds, and answers idle after the wait (cut short by the signal)', async () => {
    const w = walk([], [[7n]])
    const found = await readBatch(w, { ...options, watch: true })
    expect(found.kind === 'batch' && found.batch.rows).toEqual([[7n]])
    const stop = new AbortController()
    stop.abort()
    expect(await readBatch(w, { ...options, watch: true, signal: stop.signal })).toEqual({
      kind: 'idle',
      position: { taken: 1 },
    })
    expect(w.polls).toBe(2)
  })
})
