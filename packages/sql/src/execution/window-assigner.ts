/**
 * Which event-time windows a record belongs to. Windows are epoch-aligned and half-open, `[start, end)`, in
 * epoch nanoseconds: a record exactly on a boundary belongs to the window that starts there, and a record
 * before 1970 (a negative time) lands in the window whose start is at or below it (floor division, not
 * truncation toward zero).
 */

/** `a / b` rounded toward negative infinity, for `b > 0`. */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b

  return a % b < 0n ? q - 1n : q
}

/** The tumbling window holding `t`. */
export function tumblingStart(t: bigint, size: bigint): bigint {
  return floorDiv(t, size) * size
}

/**
 * Starts of the sliding (hopping) windows of `size`, one every `advance`, that hold `t`: every `s` that is a
 * multiple of `advance` with `s <= t < s + size`, latest first.
 */
export function slidingStarts(t: bigint, size: bigint, advance: bigint): bigint[] {
  const out: bigint[] = []
  for (let s = floorDiv(t, advance) * advance; s + size > t; s -= advance) out.push(s)

  return out
}
