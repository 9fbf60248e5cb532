import { describe, expect, it } from 'vitest'
import { PgoutputDecoder, UNCHANGED_TOAST } from '../../src/source/pgoutput-decoder.js'

/** Builds pgoutput messages byte by byte, as the server sends them. */
class Msg {
  readonly parts: Buffer[] = []
  ch(c: string) {
    this.parts.push(Buffer.from(c, 'latin1'))
    return this
  }
  u8(n: number) {
    this.parts.push(Buffer.of(n))
    return this
  }
  i16(n: number) {
    const b = Buffer.alloc(2)
    b.writeInt16BE(n)
    this.parts.push(b)
    return this
  }
  i32(n: number) {
    const b = Buffer.alloc(4)
    b.writeInt32BE(n)
    this.parts.push(b)
    return this
  }
  i64(n: bigint) {
    const b = Buffer.alloc(8)
    b.writeBigInt64BE(n)
    this.parts.push(b)
    return this
  }
  str(s: string) {
    this.parts.push(Buffer.from(`${s}\0`, 'utf8'))
    return this
  }
  text(s: string) {
    const b = Buffer.from(s, 'utf8')
    return this.ch('t').i32(b.length).raw(b)
  }
  raw(b: Buffer) {
    this.parts.push(b)
    return this
  }
  build() {
    return Buffer.concat(this.parts)
  }
}

const relation = new Msg()
  .ch('R')
  .i32(16384)
  .str('public')
  .str('ünïcode')
  .ch('f')
  .i16(2)
  .u8(1)
  .str('id')
  .i32(20)
  .i32(-1)
  .u8(0)
  .str('body')
  .i32(25)
  .i32(-1)
  .build()

describe('PgoutputDecoder', () => {
  it('decodes begin, relation, insert, update with old row and unchanged TOAST, delete and commit', () => {
    const d = new PgoutputDecoder()
    expect(d.decode(new Msg().ch('B').i64(0x16b3748n).i64(0n).i32(771).build())).toEqual({
      tag: 'begin',
      finalLsn: '0/16B3748',
      commitTime: 946_684_800_000_000_000n,
      xid: 771,
    })
    expect(d.decode(relation)).toMatchObject({
      tag: 'relation',
      relation: {
        oid: 16384,
        name: 'ünïcode',
        replicaIdentity: 'f',
        columns: [
          { name: 'id', key: true, typeOid: 20 },
          { name: 'body', key: false },
        ],
      },
    })
    expect(
      d.decode(new Msg().ch('I').i32(16384).ch('N').i16(2).text('9223372036854775807').ch('n').build()),
    ).toMatchObject({
      tag: 'insert',
      new: ['9223372036854775807', null],
    })
    const update = d.decode(
      new Msg().ch('U').i32(16384).ch('O').i16(2).text('1').text('long ü').ch('N').i16(2).text('2').ch('u').build(),
    )
    expect(update).toMatchObject({
      tag: 'update',
      old: ['1', 'long ü'],
      oldIsKeyOnly: false,
      new: ['2', UNCHANGED_TOAST],
    })
    expect(d.decode(new Msg().ch('D').i32(16384).ch('K').i16(2).text('2').ch('n').build())).toMatchObject({
      tag: 'delete',
      old: ['2', null],
      oldIsKeyOnly: true,
    })
    expect(d.decode(new Msg().ch('C').u8(0).i64(0x100n).i64(0x1_0000_0200n).i64(1n).build())).toEqual({
      tag: 'commit',
      commitLsn: '0/100',
      endLsn: '1/200',
      commitTime: 946_684_800_000_001_000n,
    })
  })

  it('refuses a change for a relation it was not told about', () => {
    expect(() => new PgoutputDecoder().decode(new Msg().ch('I').i32(1).ch('N').i16(0).build())).toThrow(
      /Relation message/,
    )
  })
})
