import { FerrisError } from '@ferris/core'

/** How a CSV file spells its structure. Every character is one ASCII byte, so scanning bytes is UTF-8 safe. */
export interface CsvDialect {
  readonly delimiter: number
  /** -1 when fields are never quoted. */
  readonly quote: number
  /** Escapes a quote inside a quoted field; equal to `quote` for the RFC 4180 doubled quote (`""`). */
  readonly escape: number
}

export interface CsvDialectOptions {
  /** Default `,`. `\t` for TSV. */
  readonly delimiter?: string
  /** Default `"`; an empty string turns quoting off. */
  readonly quote?: string
  /** Default: the quote character (a doubled quote). `\` reads `\"` inside quotes as a quote. */
  readonly escape?: string
}

export function csvDialect(options: CsvDialectOptions = {}, subject = 'csv'): CsvDialect {
  const delimiter = asciiByte(options.delimiter ?? ',', `${subject}.delimiter`, false)
  const quote = asciiByte(options.quote ?? '"', `${subject}.quote`, true)
  const escapeByte =
    options.escape === undefined || options.escape === ''
      ? quote
      : asciiByte(options.escape, `${subject}.escape`, false)
  if (delimiter === quote) {
    throw new FerrisError(
      'FERRIS_CONFIG_INVALID',
      `The CSV delimiter and quote are both ${JSON.stringify(options.delimiter)}`,
      {
        subject: `${subject}.delimiter`,
        value: options.delimiter,
        hint: 'Choose two different characters',
      },
    )
  }

  return { delimiter, quote, escape: escapeByte }
}

function asciiByte(text: string, subject: string, allowEmpty: boolean): number {
  const unescaped = text === '\\t' ? '\t' : text
  if (allowEmpty && unescaped === '') return -1
  const code = unescaped.charCodeAt(0)
  if (unescaped.length !== 1 || code > 0x7f || code === 0x0a || code === 0x0d) {
    throw new FerrisError(
      'FERRIS_CONFIG_INVALID',
      `${subject} must be one ASCII character, got ${JSON.stringify(text)}`,
      {
        subject,
        value: text,
        expected: `one ASCII character other than a line break, e.g. ",", ";", "\\t" or "|"${allowEmpty ? ', or empty to turn quoting off' : ''}`,
      },
    )
  }

  return code
}
