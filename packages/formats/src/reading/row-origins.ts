import type { RowLocation } from '@ferris/core'

/**
 * Where each row of one batch came from: the input's name once per run of rows from the same input, and one
 * or two numbers per row (line and byte for line formats, the row index for Parquet). A batch's `locate`
 * builds the location object only when a row fails, so the common case costs two array pushes per row.
 */
export class RowOrigins {
  /** Row index at which each run of rows from one input starts, with that input's name and unit. */
  readonly #runStarts: number[] = []
  readonly #runInputs: string[] = []
  readonly #runRows: boolean[] = []
  readonly #lines: number[] = []
  readonly #bytes: number[] = []

  /** Row `lines.length` starts at `line` and byte `byte` of `input`. */
  addLine(input: string, line: number, byte: number): void {
    this.#enter(input, false)
    this.#lines.push(line)
    this.#bytes.push(byte)
  }

  /** The next row is row `row` (0-based) of the Parquet `input`. */
  addRow(input: string, row: number): void {
    this.#enter(input, true)
    this.#lines.push(row)
    this.#bytes.push(-1)
  }

  get size(): number {
    return this.#lines.length
  }

  locate(index: number): RowLocation | undefined {
    if (index < 0 || index >= this.#lines.length) return undefined
    // The last run starting at or before `index`; runs are few (one per input touched by the batch).
    let run = this.#runStarts.length - 1
    while (run > 0 && this.#runStarts[run]! > index) run--
    const file = this.#runInputs[run]!
    if (this.#runRows[run]) return { file, row: this.#lines[index]! }

    return { file, line: this.#lines[index]!, byte: this.#bytes[index]! }
  }

  #enter(input: string, rows: boolean): void {
    const last = this.#runInputs.length - 1
    if (last >= 0 && this.#runInputs[last] === input) return
    this.#runStarts.push(this.#lines.length)
    this.#runInputs.push(input)
    this.#runRows.push(rows)
  }
}
