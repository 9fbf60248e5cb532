/**
 * Glob patterns over object keys: `*` any characters within one `/`-separated segment, `**` any depth,
 * `?` one character, `[abc]` a class (`[!abc]` negated), `{a,b}` alternatives.
 *
 * Limitation: the file connector has the same syntax in its own `globToRegExp`; both should use one
 * implementation in @ferris/formats. This one is written for keys (no path normalisation).
 */
export function globToRegExp(glob: string): RegExp {
  let re = ''
  let braces = 0
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/'
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
          .replace(/\\/g, '\\\\')
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

  return new RegExp(`^${re}$`, 'u')
}

export const GLOB_CHARS = /[*?[{]/
