/** Edit distance (insertions, deletions, substitutions, adjacent swaps), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase()
  const t = b.toLowerCase()
  const d: number[][] = []
  for (let i = 0; i <= s.length; i++) {
    d.push([i])
    for (let j = 1; j <= t.length; j++) d[i]!.push(i === 0 ? j : 0)
  }
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1)
      d[i]![j] = v
    }
  }

  return d[s.length]![t.length]!
}

/** The candidates close enough to `word` to be what was meant, best first. */
export function closest(word: string, candidates: Iterable<string>, max = 3): string[] {
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3) + 1))
  const scored: Array<[string, number]> = []
  for (const c of new Set(candidates)) {
    const dist = editDistance(word, c)
    const prefix = c.toLowerCase().startsWith(word.toLowerCase()) || word.toLowerCase().startsWith(c.toLowerCase())
    if (dist <= limit || (prefix && Math.min(word.length, c.length) >= 3)) scored.push([c, dist])
  }
  scored.sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]))

  return scored.slice(0, max).map(([c]) => c)
}

/** ` Did you mean "amount"?` or an empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const found = closest(word, candidates)
  if (found.length === 0) return ''

  return ` Did you mean ${found.map((c) => `"${c}"`).join(' or ')}?`
}
