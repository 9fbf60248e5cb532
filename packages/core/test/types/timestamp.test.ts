import { describe, expect, it } from 'vitest'
import {
  civilFromDays,
  daysFromCivil,
  formatDate,
  formatOffset,
  formatTime,
  formatTimestamp,
  getTimeZone,
  instantToLocal,
  localToInstant,
  parseDate,
  parseTime,
  parseTimestamp,
  timestampFields,
  zoneOffsetNanos,
} from '../../src/types/timestamp.js'

const S = 1_000_000_000n
const H = 3600n * S
const at = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n

describe('core: calendar', () => {
  it.each([
    [1970, 1, 1, 0],
    [1969, 12, 31, -1],
    [2000, 2, 29, 11016],
    [2024, 2, 29, 19782],
    [1900, 3, 1, -25508],
    [1, 1, 1, -719162],
    [0, 2, 29, -719469],
    [9999, 12, 31, 2932896],
  ])('%i-%i-%i is day %i and back', (y, m, d, days) => {
    expect(daysFromCivil(y, m, d)).toBe(days)
    expect(civilFromDays(days)).toEqual([y, m, d])
  })

  it('agrees with Date for every day of 1600 to 2400 sampled weekly', () => {
    for (let days = daysFromCivil(1600, 1, 1); days < daysFromCivil(2400, 1, 1); days += 7) {
      const date = new Date(days * 86_400_000)
      expect(civilFromDays(days)).toEqual([date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()])
    }
  })
})

describe('core: ISO 8601 text', () => {
  it.each([
    ['1970-01-01', 0],
    ['1969-12-31', -1],
    ['1900-02-28', -25509],
    ['2024-02-29', 19782],
    ['-000001-03-01', daysFromCivil(-1, 3, 1)],
    ['+012345-06-07', daysFromCivil(12345, 6, 7)],
  ])('reads and prints the date %s', (text, days) => {
    expect(parseDate(text)).toBe(days)
    expect(formatDate(days)).toBe(text)
  })

  it.each([
    ['2023-02-29', /day 29 does not exist in 2023-02/],
    ['1900-02-29', /day 29 does not exist in 1900-02/],
    ['2024-13-01', /month 13 does not exist/],
    ['2024-1-1', /Cannot read "2024-1-1" as a date/],
  ])('rejects the date %s', (text, message) => {
    expect(() => parseDate(text)).toThrow(message)
  })

  it.each([
    ['00:00:00', 0n, 'ns', '00:00:00.000000000'],
    ['23:59:59.999999999', 86_400n * S - 1n, 'ns', '23:59:59.999999999'],
    ['13:45:30.123456', 49_530_123_456_000n, 'us', '13:45:30.123456'],
    ['13:45', 49_500n * S, 'ms', '13:45:00.000'],
  ] as const)('reads and prints the time %s', (text, nanos, unit, printed) => {
    expect(parseTime(text)).toBe(nanos)
    expect(formatTime(nanos, unit)).toBe(printed)
  })

  it.each(['24:00:00', '12:60:00', '1:00', '12:00:00.1234567890'])('rejects the time %s', (text) => {
    expect(() => parseTime(text)).toThrow(/Cannot read .* as a time/)
  })

  it.each([
    ['2024-03-10T07:30:00Z', at('2024-03-10T07:30:00Z')],
    ['2024-03-10 07:30:00', at('2024-03-10T07:30:00Z')],
    ['2024-03-10', at('2024-03-10T00:00:00Z')],
    ['2024-03-10T13:15:00+05:45', at('2024-03-10T07:30:00Z')],
    ['2024-03-10T13:15:00+0545', at('2024-03-10T07:30:00Z')],
    ['2024-03-10T02:30:00-05', at('2024-03-10T07:30:00Z')],
    ['2024-03-10T07:30:00.123456789Z', at('2024-03-10T07:30:00Z') + 123_456_789n],
    ['1969-12-31T23:59:59.999999999Z', -1n],
    ['1900-01-01T00:00:00Z', at('1900-01-01T00:00:00Z')],
    ['2024-02-29T12:00:00Z', at('2024-02-29T12:00:00Z')],
    ['2024-07-01T12:00:00[Europe/Paris]', at('2024-07-01T10:00:00Z')],
    ['2262-04-11T23:47:16.854775807Z', 2n ** 63n - 1n],
    ['1677-09-21T00:12:43.145224192Z', -(2n ** 63n)],
  ])('reads the timestamp %s exactly', (text, nanos) => {
    expect(parseTimestamp(text)).toBe(nanos)
  })

  it('reads a timestamp without an offset in the given zone', () => {
    expect(parseTimestamp('2024-07-01T12:00:00', { zone: 'Europe/Paris' })).toBe(at('2024-07-01T10:00:00Z'))
    expect(parseTimestamp('2024-07-01T12:00:00+00:00', { zone: 'Europe/Paris' })).toBe(at('2024-07-01T12:00:00Z'))
  })

  it.each([
    ['2024-02-30T00:00:00Z', /day 30 does not exist/],
    ['2024-03-10T25:00:00Z', /time field is out of range/],
    ['2024-03-10T01:00:00.1234567891Z', /more than 9 fractional digits/],
    ['2024-03-10T01:00:00+25:00', /offset \+25:00 is out of range/],
    ['10/03/2024', /Cannot read "10\/03\/2024" as a timestamp.*ISO 8601/],
  ])('rejects the timestamp %s', (text, message) => {
    expect(() => parseTimestamp(text)).toThrow(message)
  })

  it.each([
    [at('2024-03-10T07:30:00Z') + 123_456_789n, 'ns', undefined, '2024-03-10T07:30:00.123456789'],
    [at('2024-03-10T07:30:00Z') + 123_456_789n, 'us', undefined, '2024-03-10T07:30:00.123456'],
    [at('2024-03-10T07:30:00Z') + 123_456_789n, 'ms', 'UTC', '2024-03-10T07:30:00.123Z'],
    [at('2024-03-10T07:30:00Z'), 'ms', 'Asia/Kathmandu', '2024-03-10T13:15:00.000+05:45'],
    [at('2024-03-10T07:30:00Z'), 'ms', 'America/New_York', '2024-03-10T03:30:00.000-04:00'],
    [at('2024-03-10T06:30:00Z'), 'ms', 'America/New_York', '2024-03-10T01:30:00.000-05:00'],
    [-1n, 'ns', 'UTC', '1969-12-31T23:59:59.999999999Z'],
    [-1n, 'ms', 'UTC', '1969-12-31T23:59:59.999Z'],
    [2n ** 63n - 1n, 'ns', 'UTC', '2262-04-11T23:47:16.854775807Z'],
    [-(2n ** 63n), 'ns', 'UTC', '1677-09-21T00:12:43.145224192Z'],
  ] as const)('prints %s at %s in %s as %s', (nanos, unit, zone, text) => {
    expect(formatTimestamp(nanos, unit, zone)).toBe(text)
  })

  it.each([
    [0n, 'Z'],
    [(5n * 3600n + 45n * 60n) * S, '+05:45'],
    [-(3n * 3600n + 30n * 60n) * S, '-03:30'],
    [-(4n * 3600n + 56n * 60n + 2n) * S, '-04:56:02'],
  ])('prints the offset %s as %s', (nanos, text) => {
    expect(formatOffset(nanos)).toBe(text)
  })
})

describe('core: time zones', () => {
  it.each([
    ['UTC', '2024-01-01T00:00:00Z', 0n],
    ['+05:45', '2024-01-01T00:00:00Z', 5n * H + 45n * 60n * S],
    ['-0800', '2024-01-01T00:00:00Z', -8n * H],
    ['Asia/Kathmandu', '2024-01-01T00:00:00Z', 5n * H + 45n * 60n * S],
    ['America/New_York', '2024-01-15T12:00:00Z', -5n * H],
    ['America/New_York', '2024-07-15T12:00:00Z', -4n * H],
    ['America/New_York', '2024-03-10T06:59:59Z', -5n * H],
    ['America/New_York', '2024-03-10T07:00:00Z', -4n * H],
    ['Australia/Lord_Howe', '2024-01-15T00:00:00Z', 11n * H],
    ['Australia/Lord_Howe', '2024-07-15T00:00:00Z', 10n * H + 30n * 60n * S],
    ['Europe/London', '1960-07-01T00:00:00Z', 1n * H],
  ])('%s is offset as expected at %s', (zone, iso, offset) => {
    expect(zoneOffsetNanos(zone, at(iso))).toBe(offset)
  })

  it('resolves a wall-clock time skipped by DST (2024-03-10T02:30 in New York)', () => {
    const local = at('2024-03-10T02:30:00Z')
    expect(localToInstant(local, 'America/New_York')).toBe(at('2024-03-10T07:30:00Z')) // 03:30 EDT
    expect(localToInstant(local, 'America/New_York', 'earlier')).toBe(at('2024-03-10T06:30:00Z')) // 01:30 EST
    expect(() => localToInstant(local, 'America/New_York', 'reject')).toThrow(
      'The local time 2024-03-10T02:30:00.000000000 does not exist (clocks go forward) in time zone America/New_York',
    )
  })

  it('resolves a wall-clock time repeated by DST (2024-11-03T01:30 in New York)', () => {
    const local = at('2024-11-03T01:30:00Z')
    expect(localToInstant(local, 'America/New_York')).toBe(at('2024-11-03T05:30:00Z')) // EDT, the earlier
    expect(localToInstant(local, 'America/New_York', 'later')).toBe(at('2024-11-03T06:30:00Z')) // EST
    expect(() => localToInstant(local, 'America/New_York', 'reject')).toThrow(/occurs twice/)
  })

  it('round-trips instants through wall clocks', () => {
    for (let t = at('2024-01-01T00:00:00Z'); t < at('2025-01-01T00:00:00Z'); t += 7n * H) {
      const local = instantToLocal(t, 'Europe/Berlin')
      const back = [localToInstant(local, 'Europe/Berlin', 'earlier'), localToInstant(local, 'Europe/Berlin', 'later')]
      expect(back).toContain(t)
    }
  })

  it('gives the fields of an instant in a zone', () => {
    expect(timestampFields(at('2024-02-29T23:30:00Z') + 5n, '+05:45')).toEqual({
      year: 2024,
      month: 3,
      day: 1,
      hour: 5,
      minute: 15,
      second: 0,
      nanosecond: 5,
      isoDayOfWeek: 5,
      offsetSeconds: 20700,
    })
    expect(timestampFields(-1n)).toMatchObject({
      year: 1969,
      month: 12,
      day: 31,
      hour: 23,
      nanosecond: 999_999_999,
      isoDayOfWeek: 3,
    })
  })

  it('fails on an unknown zone with the name and what is accepted', () => {
    expect(() => getTimeZone('Mars/Olympus_Mons')).toThrow('Unknown time zone "Mars/Olympus_Mons"')
  })

  it('caches zones and offsets so a lookup in a loop is cheap', () => {
    expect(getTimeZone('Europe/Paris')).toBe(getTimeZone('Europe/Paris'))
    const zone = getTimeZone('America/Sao_Paulo')
    const start = performance.now()
    let sum = 0n
    for (let i = 0n; i < 200_000n; i++) sum += zone.offsetAt(at('2024-06-01T00:00:00Z') + i * 1_000_000n)
    expect(sum).toBe(200_000n * -3n * H)
    expect(performance.now() - start).toBeLessThan(2000)
  })
})
