import { FerrisError } from '@ferris/core'

/**
 * Regular expressions for REGEXP_MATCH, REGEXP_REPLACE and REGEXP_LIKE: JavaScript syntax in Unicode mode,
 * with PostgreSQL's defaults and flags. As in PostgreSQL, `.` matches a newline and `^`/`$` anchor the
 * whole string unless the `n` (or `m`) flag asks for newline-sensitive matching.
 *
 * Limitation: patterns use JavaScript's syntax, which covers PostgreSQL's common subset (classes, \d \w \s,
 * groups, lookahead, lazy quantifiers) but not its POSIX bracket classes such as [[:alpha:]] or the \m \M \y
 * word anchors.
 */

const FLAGS: Readonly<Record<string, string>> = {
  i: 'case-insensitive',
  c: 'case-sensitive (default)',
  n: 'newline-sensitive: . does not match a newline and ^ $ match at line ends',
  m: 'same as n',
  s: 'not newline-sensitive (default)',
  g: 'every match (REGEXP_REPLACE only)',
}

export interface RegexOptions {
  readonly global: boolean
  readonly source: string
  readonly flags: string
}

/** Compiles `pattern` with PostgreSQL-style `flags`; throws `code` errors that quote the bad input. */
export function compileRegex(
  fn: string,
  pattern: string,
  flags: string,
  code: 'FERRIS_SQL_SEMANTIC' | 'FERRIS_EVALUATION',
  allowGlobal: boolean,
): { re: RegExp; global: boolean } {
  let ignoreCase = false
  let newlineSensitive = false
  let global = false
  for (const f of flags) {
    if (FLAGS[f] === undefined || (f === 'g' && !allowGlobal)) {
      throw new FerrisError(code, `${fn}: unknown regular expression flag '${f}' in '${flags}'`, {
        value: flags,
        expected: Object.entries(FLAGS)
          .filter(([k]) => k !== 'g' || allowGlobal)
          .map(([k, v]) => `${k} (${v})`)
          .join(', '),
      })
    }
    if (f === 'i') ignoreCase = true
    if (f === 'c') ignoreCase = false
    if (f === 'n' || f === 'm') newlineSensitive = true
    if (f === 's') newlineSensitive = false
    if (f === 'g') global = true
  }
  const jsFlags = `u${ignoreCase ? 'i' : ''}${newlineSensitive ? 'm' : 's'}${global ? 'g' : ''}`
  try {
    return { re: new RegExp(pattern, jsFlags), global }
  } catch (error) {
    throw new FerrisError(code, `${fn}: invalid regular expression '${pattern}': ${(error as Error).message}`, {
      value: pattern,
      expected: 'a regular expression in JavaScript syntax, e.g. ^([a-z]+)-(\\d+)$',
      cause: error,
    })
  }
}

/**
 * A one-entry cache for patterns that come from a column: rows usually repeat the same pattern, so it is
 * compiled when it changes, not per row.
 */
export function regexCache(
  fn: string,
  allowGlobal: boolean,
): (pattern: string, flags: string) => { re: RegExp; global: boolean } {
  let lastPattern: string | undefined
  let lastFlags: string | undefined
  let last = { re: /(?:)/u, global: false }

  return (pattern, flags) => {
    if (pattern !== lastPattern || flags !== lastFlags) {
      last = compileRegex(fn, pattern, flags, 'FERRIS_EVALUATION', allowGlobal)
      lastPattern = pattern
      lastFlags = flags
    }

    return last
  }
}
