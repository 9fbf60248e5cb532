import { coalesce } from './conditional/coalesce.js'
import { greatest, least } from './conditional/greatest-least.js'
import { nullif } from './conditional/nullif.js'
import { dateFormat } from './datetime/date-format.js'
import { dateTrunc } from './datetime/date-trunc.js'
import { dateadd } from './datetime/dateadd.js'
import { datediff } from './datetime/datediff.js'
import { fromUnixtime, unixTimestamp } from './datetime/epoch-seconds.js'
import { extract } from './datetime/extract.js'
import { currentDate, now } from './datetime/now.js'
import { toTimestamp } from './datetime/to-timestamp.js'
import type { ScalarFunction } from './function-definition.js'
import { jsonExists } from './json/json-exists.js'
import { jsonQuery } from './json/json-query.js'
import { jsonValue } from './json/json-value.js'
import { abs } from './math/abs.js'
import { ceil, floor } from './math/floor-ceil.js'
import { exp, ln, log10 } from './math/logarithms.js'
import { mod } from './math/mod.js'
import { power } from './math/power.js'
import { round } from './math/round.js'
import { sign } from './math/sign.js'
import { sqrt } from './math/sqrt.js'
import { hasHeader, header, headerKeys } from './metadata/header.js'
import { FunctionRegistry } from './registry.js'
import { concat, concatWs } from './string/concat.js'
import { length } from './string/length.js'
import { lower } from './string/lower.js'
import { lpad, rpad } from './string/pad.js'
import { position, strpos } from './string/position.js'
import { regexpLike, regexpMatch } from './string/regexp-match.js'
import { regexpReplace } from './string/regexp-replace.js'
import { replace } from './string/replace.js'
import { splitPart } from './string/split-part.js'
import { substring } from './string/substring.js'
import { ltrim, rtrim, trim } from './string/trim.js'
import { upper } from './string/upper.js'

/** Every built-in scalar function, grouped as the README lists them. */
export const BUILTIN_FUNCTIONS: readonly ScalarFunction[] = [
  // string
  upper,
  lower,
  trim,
  ltrim,
  rtrim,
  substring,
  length,
  concat,
  concatWs,
  replace,
  position,
  strpos,
  splitPart,
  lpad,
  rpad,
  regexpMatch,
  regexpLike,
  regexpReplace,
  // math
  abs,
  round,
  floor,
  ceil,
  power,
  sqrt,
  mod,
  sign,
  ln,
  log10,
  exp,
  // conditional
  coalesce,
  nullif,
  greatest,
  least,
  // date and time
  now,
  currentDate,
  extract,
  dateTrunc,
  dateFormat,
  fromUnixtime,
  unixTimestamp,
  toTimestamp,
  datediff,
  dateadd,
  // JSON
  jsonValue,
  jsonQuery,
  jsonExists,
  // record metadata
  header,
  hasHeader,
  headerKeys,
]

/** A new registry holding the built-in functions; register your own on it. */
export function defaultFunctions(): FunctionRegistry {
  const registry = new FunctionRegistry()
  for (const fn of BUILTIN_FUNCTIONS) registry.register(fn)

  return registry
}
