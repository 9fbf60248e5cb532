import { createConverter, type DataType, FerrisError, T, typeToString, type Value } from '@ferris/core'

/**
 * How a non-NULL value of `type` reads as text where SQL turns it into a string implicitly (CONCAT, `||`):
 * exactly as CAST(x AS STRING) writes it, which is core's canonical text (ISO 8601 dates and timestamps,
 * decimals at their scale, 64-bit integers exactly).
 */
export function textFormatter(type: DataType, where: string): (v: Value) => string {
  if (type.kind === 'string' || type.kind === 'null') return (v) => v as string
  try {
    const convert = createConverter(type, T.string, { lossy: true })

    return (v) => convert(v) as string
  } catch (error) {
    throw new FerrisError('FERRIS_SQL_SEMANTIC', `${where}: a ${typeToString(type)} value cannot be written as text`, {
      value: typeToString(type),
      cause: error,
    })
  }
}
