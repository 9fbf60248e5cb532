import { FerrisError } from '@ferris/core'

/** Characters that make a path or key a glob rather than a plain name or prefix. */
export const GLOB_CHARS = /[*?[{]/

/**
 * Glob patterns over `/`-separated paths and object keys, shared by every connector that lists names:
 * `*` any characters within one segment, `**` any depth, `?` one character, `[abc]` a class (`[!abc]`
 * negated, a `]` right after `[` is a member), `{a,b}` alternatives. Every other character, including `(`,
 * `)`, `+`, `!` and `\`, stands for itself, because keys and file names hold them literally
 * (`report (1).csv`); picomatch and similar libraries give those characters meanings, so they are not used.
 * No path normalisation: callers hand in paths relative to their root with `/` separators. A `{` left open
 * throws FERRIS_CONFIG_INVALID naming `subject` (the option the glob came from).
 */
export function globToRegExp(glob: string, subject = 'path'): RegExp {
  let re = ''
  let braces = 0
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/'
        // `[^/]*`, not `[^/]+`: S3 keys may hold empty segments (`a//b`); listed files never do.
        re += slash ? '(?:[^/]*/)*' : '.*'
        i += slash ? 2 : 1
      } else re += '[^/]*'
    } else if (c === '?') re += '[^/]'
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2)
      if (close < 0) re += '\\['
      else {
        const body = glob
          .slice(i + 1, close)
          .replace(/^!/, '^')
          // The `u` flag wants `]` escaped inside a class; `\` stands for itself.
          .replace(/[\\\]]/g, '\\$&')
        re += `[${body}]`
        i = close
      }
    } else if (c === '{') {
      braces++
      re += '(?:'
    } else if (c === '}' && braces > 0) {
      braces--
      re += ')'
    } else if (c === ',' && braces > 0) re += '|'
    else re += c.replace(/[.+^$()|\\\]}]/g, '\\$&')
  }

  if (braces > 0) {
    throw new FerrisError('FERRIS_CONFIG_INVALID', `Glob ${JSON.stringify(glob)} opens a { it never closes`, {
      subject,
      value: glob,
      expected: 'every { of an alternative like {a,b} closed by }',
      hint: 'Close the alternative with }, or write [{] for a literal {',
    })
  }

  return new RegExp(`^${re}$`, 'u')
}
