/**
 * SQL counts characters, JavaScript UTF-16 units: '😀' is one character and two units. These helpers work
 * in code points, with a fast path for the common string that has no surrogate pair.
 */

const SURROGATE = /[\uD800-\uDFFF]/

export function hasSurrogates(s: string): boolean {
  return SURROGATE.test(s)
}

/** Number of code points. */
export function codePointLength(s: string): number {
  let n = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--
        i++
      }
    }
  }

  return n
}

/** Code points `from` (inclusive) to `to` (exclusive), 0-based, clamped to the string. */
export function codePointSlice(s: string, from: number, to: number = Number.POSITIVE_INFINITY): string {
  if (!hasSurrogates(s))
    return s.slice(Math.max(0, from), to === Number.POSITIVE_INFINITY ? undefined : Math.max(0, to))
  const cps = Array.from(s)

  return cps.slice(Math.max(0, from), to === Number.POSITIVE_INFINITY ? undefined : Math.max(0, to)).join('')
}

/** The 1-based code point index of `needle` in `s`, 0 when absent (SQL POSITION/STRPOS). */
export function codePointIndexOf(s: string, needle: string): number {
  const unit = s.indexOf(needle)
  if (unit < 0) return 0

  return codePointLength(s.slice(0, unit)) + 1
}
