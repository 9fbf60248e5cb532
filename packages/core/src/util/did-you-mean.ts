/** Edit distance (insertions, deletions, substitutions), case-insensitive. Two rows, so O(min) memory. */
export function levenshtein(a: string, b: string): number {
  const s = a.toLowerCase()
  const t = b.toLowerCase()
  if (s === t) return 0
  if (s.length === 0) return t.length
  if (t.length === 0) return s.length
  let prev = Array.from({ length: t.length + 1 }, (_, i) => i)
  let curr = new Array<number>(t.length + 1).fill(0)
  for (let i = 1; i <= s.length; i++) {
    curr[0] = i
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1
      curr[j] = Math.min(prev[j]! + 1, curr[j - 1]! + 1, prev[j - 1]! + cost)
    }
    ;[prev, curr] = [curr, prev]
  }

  return prev[t.length]!
}

/**
 * The candidates closest to `input`, best first: those within a third of the input's length (at least 2
 * edits), or those that differ only by `_`/`-`/case. Empty when nothing is close enough to be a useful guess.
 */
export function didYouMean(input: string, candidates: readonly string[], max = 3): string[] {
  const squash = (s: string) => s.toLowerCase().replace(/[-_.]/g, '')
  const limit = Math.max(2, Math.floor(input.length / 3))
  const scored = candidates
    .map((c) => ({ c, d: squash(c) === squash(input) ? 0 : levenshtein(input, c) }))
    .filter((x) => x.d <= limit)
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c))

  return scored.slice(0, max).map((x) => x.c)
}
