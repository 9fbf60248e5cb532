#!/usr/bin/env node
// Generates input for the One Billion Row Challenge query: `station;temperature` lines, one decimal, e.g.
// `Hamburg;12.0`. Deterministic: the same --rows and --seed give the same bytes.
//
//   node examples/1brc/generate.mjs --rows 1000000 [--seed 42] [--out examples/1brc/measurements.txt]
//
// As in the challenge's own generator, each reading is drawn from a normal distribution around the station's
// mean annual temperature (standard deviation 10 °C), rounded to one decimal and kept within [-99.9, 99.9].
// The means (°C) are those of the challenge's station list, taken from the stations' climate tables.
import { createWriteStream } from 'node:fs'
import { pathToFileURL } from 'node:url'

export const STATIONS = [
  ['Abha', 18.0],
  ['Abidjan', 26.0],
  ['Accra', 26.4],
  ['Addis Ababa', 16.0],
  ['Adelaide', 17.3],
  ['Albuquerque', 14.0],
  ['Alexandria', 20.0],
  ['Algiers', 18.2],
  ['Almaty', 10.0],
  ['Amsterdam', 10.2],
  ['Anadyr', -6.9],
  ['Anchorage', 2.8],
  ['Ankara', 12.0],
  ['Arkhangelsk', 1.3],
  ['Athens', 19.2],
  ['Atlanta', 17.0],
  ['Auckland', 15.2],
  ['Baghdad', 22.8],
  ['Baku', 15.1],
  ['Bangkok', 28.6],
  ['Barcelona', 18.2],
  ['Beijing', 12.9],
  ['Beirut', 20.9],
  ['Belgrade', 12.5],
  ['Bergen', 7.7],
  ['Berlin', 10.3],
  ['Bogotá', 13.1],
  ['Boston', 10.9],
  ['Brisbane', 21.4],
  ['Brussels', 10.5],
  ['Bucharest', 10.8],
  ['Budapest', 11.3],
  ['Cairo', 21.4],
  ['Calgary', 4.4],
  ['Cape Town', 16.2],
  ['Chicago', 9.8],
  ['Copenhagen', 9.1],
  ['Dakar', 24.0],
  ['Darwin', 27.6],
  ['Denver', 10.4],
  ['Dhaka', 25.9],
  ['Dikson', -11.1],
  ['Dubai', 26.9],
  ['Dublin', 9.8],
  ['Edinburgh', 9.3],
  ['Fairbanks', -2.3],
  ['Frankfurt', 10.6],
  ['Gjoa Haven', -14.4],
  ['Hamburg', 9.7],
  ['Hanoi', 23.6],
  ['Helsinki', 5.9],
  ['Hong Kong', 23.3],
  ['Honolulu', 25.4],
  ['Iqaluit', -9.3],
  ['Istanbul', 13.9],
  ['İzmir', 17.9],
  ['Jakarta', 26.7],
  ['Jerusalem', 18.3],
  ['Kabul', 12.1],
  ['Karachi', 26.0],
  ['Kathmandu', 18.3],
  ['Khartoum', 29.9],
  ['Kyiv', 8.4],
  ['Lagos', 26.8],
  ['Lhasa', 7.6],
  ['Lisbon', 17.5],
  ['London', 11.3],
  ['Los Angeles', 18.6],
  ['Madrid', 15.0],
  ['Manila', 28.4],
  ['Mexico City', 17.5],
  ['Miami', 24.9],
  ['Milan', 13.0],
  ['Montreal', 6.8],
  ['Moscow', 5.8],
  ['Mumbai', 27.1],
  ['Murmansk', 0.6],
  ['Nairobi', 17.8],
  ['New Delhi', 25.0],
  ['New York City', 12.9],
  ['Novosibirsk', 1.7],
  ['Nuuk', -1.4],
  ['Oslo', 5.7],
  ['Paris', 12.3],
  ['Prague', 8.4],
  ['Reykjavík', 4.3],
  ['Riyadh', 26.0],
  ['Rome', 15.2],
  ['San Francisco', 14.6],
  ['Seoul', 12.5],
  ['Singapore', 27.0],
  ['Stockholm', 6.6],
  ['Sydney', 17.7],
  ['Tokyo', 15.4],
  ['Toronto', 9.4],
  ['Ulaanbaatar', -0.4],
  ['Vancouver', 10.4],
  ['Warsaw', 8.5],
  ['Yakutsk', -8.8],
  ['Zürich', 9.3],
]

/** mulberry32: a small seeded generator of uniform numbers in [0, 1). */
function random(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The lines, in chunks of many lines each (one string per chunk). */
export function* generate(rows, seed = 42, chunk = 10_000) {
  const next = random(seed)
  let out = []
  for (let i = 0; i < rows; i++) {
    const [name, mean] = STATIONS[Math.floor(next() * STATIONS.length)]
    // Box-Muller: a standard normal draw from two uniform ones.
    const z = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())
    const tenths = Math.max(-999, Math.min(999, Math.round((mean + 10 * z) * 10)))
    const sign = tenths < 0 ? '-' : ''
    const abs = Math.abs(tenths)
    out.push(`${name};${sign}${Math.floor(abs / 10)}.${abs % 10}\n`)
    if (out.length === chunk) {
      yield out.join('')
      out = []
    }
  }
  if (out.length > 0) yield out.join('')
}

function argument(name, fallback) {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? fallback : process.argv[i + 1]
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = Number(argument('rows', '1000000'))
  const seed = Number(argument('seed', '42'))
  if (!Number.isSafeInteger(rows) || rows < 0) {
    console.error(`--rows must be a whole number of rows, not ${argument('rows')}`)
    process.exit(2)
  }
  const out = createWriteStream(argument('out', new URL('measurements.txt', import.meta.url).pathname))
  for (const text of generate(rows, seed)) if (!out.write(text)) await new Promise((r) => out.once('drain', r))
  out.end()
}
