// Writes a deterministic CSV of weather-station readings with a 64-bit id, a timestamp, a string, a double, a
// decimal and a boolean: the shape of a typical event export. Streams to disk; memory stays flat.

import { once } from 'node:events'
import { createWriteStream } from 'node:fs'

export async function generateCsv(path, rows) {
  const out = createWriteStream(path)
  out.write('id,ts,station,temp,amount,ok\n')
  const stations = ['Hamburg', 'Lisbon', 'Osaka', 'Lagos', 'Quito', 'Perth', 'Oslo', 'Austin', 'Pune', 'Cusco']
  let seed = 42
  const next = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed
  }
  const start = Date.UTC(2024, 0, 1)
  let chunk = ''
  for (let i = 0; i < rows; i++) {
    const r = next()
    const ts = new Date(start + i * 1000).toISOString()
    chunk += `${9_000_000_000_000_000n + BigInt(i)},${ts},${stations[r % 10]},${((r % 1000) - 300) / 10},${r % 100000}.${String(r % 100).padStart(2, '0')},${r % 2 === 0}\n`
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain')
      chunk = ''
    }
  }
  out.write(chunk)
  out.end()
  await once(out, 'finish')
}
