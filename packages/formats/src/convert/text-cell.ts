import { createTextParser, type DataType, FerrisError, isFerrisError, parseValue, type Value } from '@ferris/core'

/**
 * How a text cell (a CSV field) becomes a value. `nullMarker` is the text that means NULL when the field is
 * not quoted. An empty field is NULL for every type but STRING, quoted or not, because there is no empty
 * number or date; for STRING a quoted empty field (`""`) is the empty string.
 */
export function textCell(text: string, quoted: boolean, type: DataType, nullMarker: string): Value {
  if (!quoted && text === nullMarker) return null
  if (type.kind === 'string') return text
  if (text === '') return null

  return parseValue(text, type)
}

/** `textCell` bound to one column: `(text, quoted) => value`. */
export type TextCellReader = (text: string, quoted: boolean) => Value

/**
 * `textCell` with the type decisions taken once, for a decoder to bind per column and call per cell: the
 * same results and errors, without examining the type again for every value.
 */
export function createTextCell(type: DataType, nullMarker: string): TextCellReader {
  if (type.kind === 'string') return (text, quoted) => (!quoted && text === nullMarker ? null : text)
  const parse = createTextParser(type)

  return (text, quoted) => ((!quoted && text === nullMarker) || text === '' ? null : parse(text))
}

/** Wraps a conversion failure with the column it happened in. */
export function cellError(error: unknown, column: string, text: string, type: DataType): FerrisError {
  const message = isFerrisError(error) ? error.message : error instanceof Error ? error.message : String(error)

  return new FerrisError('FERRIS_TYPE_CONVERSION', `Column "${column}": ${message}`, {
    subject: column,
    value: text,
    expected:
      isFerrisError(error) && typeof error.context.expected === 'string'
        ? error.context.expected
        : `a ${type.kind} value`,
    cause: error,
  })
}
