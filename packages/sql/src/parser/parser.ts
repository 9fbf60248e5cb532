import { type DataType, type FerrisError, isFerrisError, T } from '@ferris/core'
import { closest } from '../analyzer/suggest.js'
import { tokenize } from '../lexer/lexer.js'
import { describeToken, keywordOf, type Token } from '../lexer/token.js'
import type {
  Application,
  BinaryOp,
  CaseExpr,
  ColumnDefinition,
  EmitMode,
  Expr,
  FrameBound,
  FromItem,
  FunctionCall,
  Identifier,
  IntervalLiteral,
  IntervalUnit,
  JoinType,
  OrderItem,
  OverClause,
  Property,
  Query,
  SelectItem,
  SourceDeclaration,
  Statement,
  TypeName,
  WindowClause,
  WindowFrame,
  WindowKind,
} from './ast.js'
import { DURATION_UNIT, INTERVAL_UNITS, parseIntervalText } from './intervals.js'
import { SourceText, type Span } from './source-text.js'
import { DEFAULT_DECIMAL_PRECISION, SIMPLE_TYPES, TYPE_NAMES, timeUnitOf } from './type-names.js'

/**
 * Words that end an expression or a clause, so they cannot be a bare column name or an alias without AS.
 * Quote them ("from") to use them as names.
 */
const RESERVED = new Set([
  'ALL',
  'AND',
  'AS',
  'BETWEEN',
  'BY',
  'CASE',
  'CAST',
  'CREATE',
  'CROSS',
  'DISTINCT',
  'ELSE',
  'EMIT',
  'END',
  'EXISTS',
  'FALSE',
  'FROM',
  'FULL',
  'GROUP',
  'HAVING',
  'ILIKE',
  'IN',
  'INNER',
  'INSERT',
  'INTERVAL',
  'INTO',
  'IS',
  'JOIN',
  'LEFT',
  'LIKE',
  'LIMIT',
  'NOT',
  'NULL',
  'ON',
  'OR',
  'ORDER',
  'OUTER',
  'OVER',
  'RIGHT',
  'SELECT',
  'THEN',
  'TRUE',
  'TRY_CAST',
  'UNION',
  'USING',
  'WHEN',
  'WHERE',
  'WINDOW',
  'WITH',
  'WITHIN',
])

/**
 * Reserved words that open a clause and are never a function name, so `WITH (` after an unfinished `WHERE`
 * is reported there instead of being read as a call of a function named WITH.
 */
const CLAUSE_WORDS = new Set(['EMIT', 'FROM', 'GROUP', 'HAVING', 'LIMIT', 'ORDER', 'WHERE', 'WINDOW', 'WITH'])

const STATEMENT_STARTS = ['CREATE', 'INSERT', 'SELECT']
const COMPARISONS: Readonly<Record<string, BinaryOp>> = {
  '=': '=',
  '<>': '<>',
  '!=': '<>',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
}

export interface ParseOptions {
  /** A file name for messages: `app.sql:line 3, column 7`. */
  readonly fileName?: string
}

/** Deepest expression nesting accepted: parentheses, calls, NOTs, signs and binary operator chains all count. */
export const MAX_EXPRESSION_DEPTH = 256

/** Parses a SQL application: statements separated by `;`. Throws FERRIS_SQL_SYNTAX pointing at the text. */
export function parse(sql: string | SourceText, options: ParseOptions = {}): Application {
  const source = typeof sql === 'string' ? new SourceText(sql, options.fileName) : sql

  return new Parser(source).application()
}

/**
 * Parses a column list written inside a property value (`'orders.schema' = 'id BIGINT, ts TIMESTAMP(3)'`).
 * `at` is where the value's text sits in `source`: the list is parsed in place (the rest of the text
 * blanked out, line breaks kept), so errors point at the column inside the WITH clause.
 */
export function parseColumnList(source: SourceText, value: string, at?: Span): ColumnDefinition[] {
  let text: SourceText
  const raw = at === undefined ? undefined : source.text.slice(at.start, at.end)
  if (at !== undefined && raw !== undefined && raw.length === value.length + 2 && raw.slice(1, -1) === value) {
    const blank = (s: string) => s.replace(/[^\n]/g, ' ')
    text = new SourceText(
      blank(source.text.slice(0, at.start + 1)) + value + blank(source.text.slice(at.end - 1)),
      source.name,
    )
  } else {
    return new Parser(new SourceText(value, source.name)).columnDefinitions()
  }
  try {
    return new Parser(text).columnDefinitions()
  } catch (e) {
    // The same error again, now from the real text, so that its excerpt shows the WITH clause as written.
    const location = (e as FerrisError).context?.location as { line?: number; column?: number } | undefined
    const excerpt = (e as FerrisError).context?.excerpt
    if (!isFerrisError(e) || location?.line === undefined || location.column === undefined) throw e
    let offset = 0
    for (let line = 1; line < location.line; line++) offset = source.text.indexOf('\n', offset) + 1
    offset += location.column - 1
    const width = typeof excerpt === 'string' ? (excerpt.match(/\^+$/)?.[0].length ?? 1) : 1
    const message = e.message.slice(0, e.message.lastIndexOf(' at '))
    const { location: _l, excerpt: _e, ...details } = e.context as Record<string, string | undefined>
    throw source.error(e.code, { start: offset, end: offset + width }, message, details)
  }
}

/** Parses one expression, e.g. for `--where` flags and tests. */
export function parseExpression(sql: string | SourceText): Expr {
  const source = typeof sql === 'string' ? new SourceText(sql) : sql
  const p = new Parser(source)
  const e = p.expr()
  p.expectEnd()

  return e
}

function sp(t: Span): Span {
  return { start: t.start, end: t.end }
}

class Parser {
  readonly #source: SourceText
  readonly #tokens: Token[]
  #pos = 0
  // Expression nesting now (see #nested), and the depth of the binary chains built so far.
  #depth = 0
  readonly #chainDepth = new WeakMap<Expr, number>()
  /** Aliases written without AS, which may be a misspelled keyword. */
  readonly #implicitAliases = new Set<Identifier>()

  constructor(source: SourceText) {
    this.#source = source
    this.#tokens = tokenize(source)
  }

  // ------------------------------------------------------------ token helpers

  #cur(): Token {
    return this.#tokens[this.#pos]!
  }

  #peek(n = 1): Token {
    return this.#tokens[Math.min(this.#pos + n, this.#tokens.length - 1)]!
  }

  #next(): Token {
    const t = this.#cur()
    if (t.kind !== 'eof') this.#pos++

    return t
  }

  #isKeyword(word: string, t: Token = this.#cur()): boolean {
    return keywordOf(t) === word
  }

  #acceptKeyword(...words: string[]): Token | undefined {
    for (let i = 0; i < words.length; i++) if (!this.#isKeyword(words[i]!, this.#peek(i))) return undefined
    const first = this.#cur()
    this.#pos += words.length

    return first
  }

  #isPunct(p: string, t: Token = this.#cur()): boolean {
    return t.kind === 'punctuation' && t.value === p
  }

  #acceptPunct(p: string): Token | undefined {
    return this.#isPunct(p) ? this.#next() : undefined
  }

  #isOp(op: string, t: Token = this.#cur()): boolean {
    return t.kind === 'operator' && t.value === op
  }

  #acceptOp(op: string): Token | undefined {
    return this.#isOp(op) ? this.#next() : undefined
  }

  #error(span: Span, message: string, details: { expected?: string; hint?: string; value?: string } = {}): never {
    throw this.#source.error('FERRIS_SQL_SYNTAX', span, message, details)
  }

  /** "Expected X but found Y", with a did-you-mean when the token looks like a misspelled keyword. */
  #unexpected(expected: string, options: { keywords?: readonly string[]; hint?: string } = {}): never {
    const t = this.#cur()
    if (t.kind === 'eof') {
      this.#error(t, `Unexpected end of input: expected ${expected}`, {
        expected,
        value: '',
        hint: options.hint ?? 'The statement is incomplete; finish it or remove it',
      })
    }
    const guess =
      options.keywords !== undefined && t.kind === 'identifier' ? closest(t.value.toUpperCase(), options.keywords) : []
    const suggestion = guess.length > 0 ? `. Did you mean ${guess.map((g) => g).join(' or ')}?` : ''
    this.#error(t, `Expected ${expected} but found ${describeToken(t)}${suggestion}`, {
      expected,
      value: t.text,
      ...(options.hint === undefined ? {} : { hint: options.hint }),
    })
  }

  #expectKeyword(word: string, context?: string): Token {
    const t = this.#acceptKeyword(word)
    if (t === undefined) this.#unexpected(context === undefined ? word : `${word} ${context}`, { keywords: [word] })

    return t
  }

  #expectPunct(p: string, context?: string): Token {
    const t = this.#acceptPunct(p)
    if (t === undefined) this.#unexpected(`"${p}"${context === undefined ? '' : ` ${context}`}`)

    return t
  }

  #span(start: number): Span {
    const prev = this.#tokens[this.#pos - 1]

    return { start, end: prev === undefined ? start : Math.max(prev.end, start) }
  }

  expectEnd(): void {
    if (this.#cur().kind !== 'eof') this.#unexpected('the end of the expression')
  }

  // ------------------------------------------------------------ statements

  application(): Application {
    const statements: Statement[] = []
    const declarations: SourceDeclaration[] = []
    // Tables and declared sources by lower-case name: a second one of a name would silently replace the first.
    const named = new Map<string, Identifier>()
    for (;;) {
      while (this.#acceptPunct(';')) {}
      if (this.#cur().kind === 'eof') break
      const st = this.#statement(statements.length)
      if (st.kind === 'declare_source' || st.kind === 'create_table') {
        const key = st.name.name.toLowerCase()
        const earlier = named.get(key)
        if (earlier !== undefined) {
          const at = this.#source.locate(earlier.span.start)
          this.#error(st.name.span, `${st.name.name} is declared twice`, {
            value: st.name.name,
            hint: `It was first declared at line ${at.line}, column ${at.column}; rename or remove one of them`,
          })
        }
        named.set(key, st.name)
      }
      if (st.kind === 'declare_source') declarations.push(st)
      else statements.push(st)
      if (this.#cur().kind !== 'eof' && !this.#isPunct(';')) {
        this.#unexpected('";" or the end of the statement', {
          keywords: ['EMIT', 'WITH', 'LIMIT', 'WHERE', 'GROUP', 'HAVING', 'WINDOW', 'ORDER'],
          hint: 'Separate statements with ";"',
        })
      }
    }
    if (statements.length === 0 && declarations.length === 0) {
      this.#error(this.#cur(), 'The SQL text holds no statement', {
        expected: 'CREATE STREAM, CREATE TABLE, INSERT INTO or SELECT',
        hint: 'Write for example: SELECT * FROM orders WITH (...)',
      })
    }

    return declarations.length === 0 ? { statements } : { statements, declarations }
  }

  #statement(index: number): Statement | SourceDeclaration {
    const start = this.#cur().start
    if (this.#acceptKeyword('CREATE')) {
      const orReplace = this.#acceptKeyword('OR', 'REPLACE') !== undefined
      let kind: 'create_stream' | 'create_table'
      if (this.#acceptKeyword('STREAM')) kind = 'create_stream'
      else if (this.#acceptKeyword('TABLE')) kind = 'create_table'
      else this.#unexpected('STREAM or TABLE after CREATE', { keywords: ['STREAM', 'TABLE'] })
      const name = this.#identifier(`a ${kind === 'create_stream' ? 'stream' : 'table'} name`)
      const primaryKey: Identifier[] = []
      if (this.#acceptPunct('(')) {
        const columns = this.columnDefinitions(')', primaryKey)
        this.#expectPunct(')', 'to close the column list')
        if (kind === 'create_table' && columns.length === 0 && (this.#isKeyword('AS') || this.#isKeyword('SELECT'))) {
          // `CREATE TABLE t (PRIMARY KEY (id)) AS SELECT ...`: a table of query results keyed by `id`.
          this.#acceptKeyword('AS')
          return { kind, name, orReplace, index, primaryKey, span: this.#span(start), ...this.#statementTail() }
        }
        if (columns.length === 0) {
          this.#error(name.span, `${name.name} declares a key but no columns`, {
            hint: 'Declare the columns too: CREATE TABLE t (id BIGINT PRIMARY KEY, name STRING) WITH (...)',
          })
        }
        if (kind === 'create_stream' && primaryKey.length > 0) {
          this.#error(primaryKey[0]!.span, `A stream has no PRIMARY KEY; ${name.name} declares one`, {
            value: primaryKey[0]!.name,
            hint: `Declare it as CREATE TABLE ${name.name} (...) to read it as a table kept current by key`,
          })
        }
        const properties = this.#isKeyword('WITH') ? this.#withClause() : []

        return {
          kind: 'declare_source',
          name,
          columns,
          properties,
          ...(kind === 'create_table' ? { table: true } : {}),
          ...(primaryKey.length === 0 ? {} : { primaryKey }),
          span: this.#span(start),
        }
      }
      this.#acceptKeyword('AS')
      const tail = this.#statementTail()

      return { kind, name, orReplace, index, span: this.#span(start), ...tail }
    }
    if (this.#acceptKeyword('INSERT')) {
      this.#expectKeyword('INTO', 'after INSERT')
      const target = this.#identifier('a sink name after INSERT INTO')
      const tail = this.#statementTail()

      return { kind: 'insert', target, index, span: this.#span(start), ...tail }
    }
    if (this.#isKeyword('SELECT')) {
      const tail = this.#statementTail()

      return { kind: 'select', index, span: this.#span(start), ...tail }
    }

    return this.#unexpected('a statement (CREATE STREAM, CREATE TABLE, INSERT INTO or SELECT)', {
      keywords: STATEMENT_STARTS,
    })
  }

  #statementTail(): Pick<Statement, 'query' | 'emit' | 'properties'> {
    const query = this.query()
    let emit: { mode: EmitMode; span: Span } | undefined
    const emitAt = this.#acceptKeyword('EMIT')
    if (emitAt !== undefined) {
      if (this.#acceptKeyword('CHANGES')) emit = { mode: 'changes', span: this.#span(emitAt.start) }
      else if (this.#acceptKeyword('FINAL')) emit = { mode: 'final', span: this.#span(emitAt.start) }
      else this.#unexpected('CHANGES or FINAL after EMIT', { keywords: ['CHANGES', 'FINAL'] })
    }
    const properties = this.#isKeyword('WITH') ? this.#withClause() : []

    return emit === undefined ? { query, properties } : { query, emit, properties }
  }

  #withClause(): Property[] {
    this.#expectKeyword('WITH')
    this.#expectPunct('(', "after WITH: WITH ('name.key' = 'value', ...)")
    const properties: Property[] = []
    const seen = new Map<string, Property>()
    do {
      const keyTok = this.#cur()
      if (keyTok.kind !== 'string' && keyTok.kind !== 'identifier' && keyTok.kind !== 'quoted_identifier') {
        this.#unexpected("a property key in quotes, e.g. 'orders.path'")
      }
      this.#next()
      // Unquoted keys may be dotted: orders.path = '...'
      let key = keyTok.value
      let keyEnd = keyTok.end
      if (keyTok.kind !== 'string') {
        while (this.#isPunct('.')) {
          this.#next()
          const part = this.#next()
          if (part.kind !== 'identifier' && part.kind !== 'quoted_identifier') {
            this.#error(part, `Expected a key part after "." but found ${describeToken(part)}`)
          }
          key += `.${part.value}`
          keyEnd = part.end
        }
      }
      if (!this.#acceptOp('=')) this.#unexpected(`"=" after the property key '${key}'`)
      const valueTok = this.#cur()
      let value: string
      if (
        valueTok.kind === 'string' ||
        valueTok.kind === 'integer' ||
        valueTok.kind === 'decimal' ||
        valueTok.kind === 'duration'
      ) {
        value = valueTok.value
      } else if (this.#isKeyword('TRUE') || this.#isKeyword('FALSE')) {
        value = valueTok.value.toLowerCase()
      } else {
        this.#unexpected(`a quoted value for '${key}'`, { hint: `Write '${key}' = '...'` })
      }
      this.#next()
      const property: Property = {
        key,
        value,
        keySpan: { start: keyTok.start, end: keyEnd },
        valueSpan: { start: valueTok.start, end: valueTok.end },
        span: { start: keyTok.start, end: valueTok.end },
      }
      const earlier = seen.get(key)
      if (earlier !== undefined) {
        const at = this.#source.locate(earlier.span.start)
        this.#error(property.keySpan, `Property '${key}' is given twice`, {
          value: key,
          hint: `It was first set at line ${at.line}, column ${at.column}; keep one of them`,
        })
      }
      seen.set(key, property)
      properties.push(property)
    } while (this.#acceptPunct(','))
    this.#expectPunct(')', 'to close WITH (...)')

    return properties
  }

  // ------------------------------------------------------------ queries

  query(): Query {
    const start = this.#cur().start
    this.#expectKeyword('SELECT')
    const distinct = this.#acceptKeyword('DISTINCT') !== undefined
    if (!distinct) this.#acceptKeyword('ALL')
    const select: SelectItem[] = []
    do select.push(this.#selectItem())
    while (this.#acceptPunct(','))
    if (!this.#isKeyword('FROM')) {
      // `SELECT a, b FRM t` reads FRM as an alias of b: point at it rather than at t.
      const last = select[select.length - 1]
      if (
        last?.kind === 'expr' &&
        last.alias !== undefined &&
        !last.alias.quoted &&
        this.#implicitAliases.has(last.alias)
      ) {
        const guess = closest(last.alias.name.toUpperCase(), ['FROM'])
        if (guess.length > 0) {
          this.#error(
            last.alias.span,
            `Expected FROM after the select list but found "${last.alias.name}". Did you mean FROM?`,
            {
              expected: 'FROM',
              value: last.alias.name,
            },
          )
        }
      }
      this.#unexpected('FROM after the select list', {
        keywords: ['FROM'],
        hint: 'Every query reads from a source: SELECT ... FROM orders',
      })
    }
    this.#next()
    const from = this.#fromClause()
    const where = this.#acceptKeyword('WHERE') ? this.expr() : undefined
    let window = this.#isKeyword('WINDOW') ? this.#windowClause() : undefined
    let groupBy: Expr[] = []
    if (this.#acceptKeyword('GROUP')) {
      this.#expectKeyword('BY', 'after GROUP')
      do groupBy.push(this.expr())
      while (this.#acceptPunct(','))
    }
    const having = this.#acceptKeyword('HAVING') ? this.expr() : undefined
    if (window === undefined && this.#isKeyword('WINDOW')) window = this.#windowClause()
    const orderBy: OrderItem[] = []
    if (this.#acceptKeyword('ORDER')) {
      this.#expectKeyword('BY', 'after ORDER')
      orderBy.push(...this.#orderItems())
    }
    let limit: Query['limit']
    const limitAt = this.#acceptKeyword('LIMIT')
    if (limitAt !== undefined) {
      const n = this.#cur()
      if (n.kind !== 'integer') this.#unexpected('a whole number after LIMIT')
      this.#next()
      limit = { value: BigInt(n.value), span: { start: limitAt.start, end: n.end } }
    }
    groupBy = groupBy.length === 0 ? [] : groupBy

    return {
      distinct,
      select,
      from,
      ...(where === undefined ? {} : { where }),
      groupBy,
      ...(having === undefined ? {} : { having }),
      ...(window === undefined ? {} : { window }),
      orderBy,
      ...(limit === undefined ? {} : { limit }),
      span: this.#span(start),
    }
  }

  #selectItem(): SelectItem {
    const start = this.#cur().start
    if (this.#acceptOp('*')) return { kind: 'star', span: this.#span(start) }
    if (
      (this.#cur().kind === 'identifier' || this.#cur().kind === 'quoted_identifier') &&
      this.#isPunct('.', this.#peek()) &&
      this.#isOp('*', this.#peek(2))
    ) {
      const qualifier = this.#identifier('a name')
      this.#next()
      this.#next()

      return { kind: 'star', qualifier, span: this.#span(start) }
    }
    if (this.#isKeyword('FROM'))
      this.#unexpected('an expression in the select list', { hint: 'Write SELECT * or name the columns' })
    const expr = this.expr()
    const alias = this.#alias()

    return alias === undefined
      ? { kind: 'expr', expr, span: this.#span(start) }
      : { kind: 'expr', expr, alias, span: this.#span(start) }
  }

  #alias(): Identifier | undefined {
    if (this.#acceptKeyword('AS')) return this.#identifier('a name after AS')
    const t = this.#cur()
    if (t.kind === 'quoted_identifier' || (t.kind === 'identifier' && !RESERVED.has(t.value.toUpperCase()))) {
      const alias = this.#identifier('an alias')
      this.#implicitAliases.add(alias)

      return alias
    }

    return undefined
  }

  #identifier(what: string): Identifier {
    const t = this.#cur()
    if (t.kind === 'quoted_identifier') {
      this.#next()

      return { name: t.value, quoted: true, span: sp(t) }
    }
    if (t.kind === 'identifier') {
      if (RESERVED.has(t.value.toUpperCase())) {
        this.#error(t, `Expected ${what} but found the keyword ${t.value.toUpperCase()}`, {
          value: t.text,
          expected: what,
          hint: `Quote it to use it as a name: "${t.value}"`,
        })
      }
      this.#next()

      return { name: t.value, quoted: false, span: sp(t) }
    }

    return this.#unexpected(what)
  }

  #fromClause(): FromItem {
    let left = this.#fromPrimary()
    for (;;) {
      const start = this.#cur().start
      let type: JoinType | undefined
      if (this.#acceptKeyword('JOIN') || this.#acceptKeyword('INNER', 'JOIN')) type = 'inner'
      else if (this.#acceptKeyword('LEFT', 'OUTER', 'JOIN') || this.#acceptKeyword('LEFT', 'JOIN')) type = 'left'
      else if (this.#acceptKeyword('RIGHT', 'OUTER', 'JOIN') || this.#acceptKeyword('RIGHT', 'JOIN')) type = 'right'
      else if (this.#acceptKeyword('FULL', 'OUTER', 'JOIN') || this.#acceptKeyword('FULL', 'JOIN')) type = 'full'
      else if (this.#acceptKeyword('CROSS', 'JOIN')) type = 'cross'
      else if (this.#isPunct(',')) {
        this.#error(this.#cur(), 'Comma joins are not supported', {
          hint: 'Write the join out: FROM a JOIN b ON a.id = b.id',
        })
      } else break
      const right = this.#fromPrimary()
      let on: Expr | undefined
      let using: Identifier[] | undefined
      if (type !== 'cross') {
        if (this.#acceptKeyword('ON')) on = this.expr()
        else if (this.#acceptKeyword('USING')) {
          this.#expectPunct('(', 'after USING')
          using = []
          do using.push(this.#identifier('a column name'))
          while (this.#acceptPunct(','))
          this.#expectPunct(')', 'to close USING (...)')
        } else this.#unexpected('ON or USING after the joined source', { keywords: ['ON', 'USING'] })
      }
      const within = this.#acceptKeyword('WITHIN') ? this.#primary() : undefined
      left = {
        kind: 'join',
        type,
        left,
        right,
        ...(on === undefined ? {} : { on }),
        ...(using === undefined ? {} : { using }),
        ...(within === undefined ? {} : { within }),
        span: this.#span(start),
      }
    }

    return left
  }

  #fromPrimary(): FromItem {
    const start = this.#cur().start
    const t = this.#cur()
    if (t.kind === 'string') {
      this.#next()
      const alias = this.#alias()

      return { kind: 'uri', uri: t.value, ...(alias === undefined ? {} : { alias }), span: this.#span(start) }
    }
    if (this.#isPunct('(')) {
      this.#next()
      if (!this.#isKeyword('SELECT')) this.#unexpected('SELECT in a subquery')
      const query = this.query()
      this.#expectPunct(')', 'to close the subquery')
      const alias = this.#alias()

      return { kind: 'subquery', query, ...(alias === undefined ? {} : { alias }), span: this.#span(start) }
    }
    const name = this.#identifier("a source name or a quoted URI such as 'file:///data/orders.csv'")
    const alias = this.#alias()

    return { kind: 'named', name, ...(alias === undefined ? {} : { alias }), span: this.#span(start) }
  }

  #windowClause(): WindowClause {
    const start = this.#expectKeyword('WINDOW').start
    const t = this.#cur()
    const word = keywordOf(t)
    const kinds: Readonly<Record<string, WindowKind>> = {
      TUMBLING: 'tumbling',
      TUMBLE: 'tumbling',
      SLIDING: 'sliding',
      HOPPING: 'sliding',
      HOP: 'sliding',
      SESSION: 'session',
    }
    const kind = kinds[word]
    if (kind === undefined)
      this.#unexpected('TUMBLING, SLIDING or SESSION after WINDOW', { keywords: Object.keys(kinds) })
    this.#next()
    this.#expectPunct('(', `after ${word}`)
    const args: Expr[] = []
    if (!this.#isPunct(')')) {
      do args.push(this.expr())
      while (this.#acceptPunct(','))
    }
    this.#expectPunct(')', `to close ${word}(...)`)

    return { kind, args, span: this.#span(start) }
  }

  #orderItems(): OrderItem[] {
    const items: OrderItem[] = []
    do {
      const start = this.#cur().start
      const expr = this.expr()
      let descending = false
      if (this.#acceptKeyword('DESC')) descending = true
      else this.#acceptKeyword('ASC')
      let nullsFirst: boolean | undefined
      if (this.#acceptKeyword('NULLS', 'FIRST')) nullsFirst = true
      else if (this.#acceptKeyword('NULLS', 'LAST')) nullsFirst = false
      items.push({ expr, descending, ...(nullsFirst === undefined ? {} : { nullsFirst }), span: this.#span(start) })
    } while (this.#acceptPunct(','))

    return items
  }

  // ------------------------------------------------------------ expressions

  expr(): Expr {
    return this.#nested(() => this.#or())
  }

  /**
   * Runs `parse` one nesting level deeper. Every later stage (analyzer, planner, evaluator) walks the tree
   * recursively, so a tree deeper than MAX_EXPRESSION_DEPTH is refused here, where the error can point at
   * the text, instead of overflowing the stack further on.
   */
  #nested<T>(parse: () => T, extra = 0): T {
    this.#depth++
    try {
      this.#checkDepth(extra)
      return parse()
    } finally {
      this.#depth--
    }
  }

  #checkDepth(extra: number): void {
    if (this.#depth + extra <= MAX_EXPRESSION_DEPTH) return
    const t = this.#cur()
    this.#error(t, `Expression nested too deeply (more than ${MAX_EXPRESSION_DEPTH} levels)`, {
      hint: 'Split the expression, e.g. into several columns or a chain of views, or use IN (...) instead of long OR chains',
    })
  }

  #binary(op: BinaryOp, left: Expr, right: Expr, opTok: Token): Expr {
    // A chain such as a + b + c + ... is parsed in a loop but builds a left-deep tree: its length is depth.
    const chain = Math.max(this.#chainDepth.get(left) ?? 0, this.#chainDepth.get(right) ?? 0) + 1
    this.#checkDepth(chain)
    const e: Expr = {
      kind: 'binary',
      op,
      left,
      right,
      opSpan: opTok,
      span: { start: left.span.start, end: right.span.end },
    }
    this.#chainDepth.set(e, chain)

    return e
  }

  #or(): Expr {
    let left = this.#and()
    for (let t = this.#acceptKeyword('OR'); t !== undefined; t = this.#acceptKeyword('OR')) {
      left = this.#binary('OR', left, this.#and(), t)
    }

    return left
  }

  #and(): Expr {
    let left = this.#not()
    for (let t = this.#acceptKeyword('AND'); t !== undefined; t = this.#acceptKeyword('AND')) {
      left = this.#binary('AND', left, this.#not(), t)
    }

    return left
  }

  #not(): Expr {
    const t = this.#cur()
    if (this.#isKeyword('NOT') && !this.#isKeyword('EXISTS', this.#peek())) {
      this.#next()
      const operand = this.#nested(() => this.#not())

      return { kind: 'unary', op: 'NOT', operand, span: { start: t.start, end: operand.span.end } }
    }

    return this.#predicate()
  }

  #predicate(): Expr {
    let left = this.#concat()
    for (;;) {
      const t = this.#cur()
      const cmp = t.kind === 'operator' ? COMPARISONS[t.value] : undefined
      if (cmp !== undefined) {
        this.#next()
        left = this.#binary(cmp, left, this.#concat(), t)
        continue
      }
      if (this.#acceptKeyword('IS')) {
        const negated = this.#acceptKeyword('NOT') !== undefined
        if (this.#acceptKeyword('NULL')) {
          left = { kind: 'is_null', operand: left, negated, span: this.#span(left.span.start) }
          continue
        }
        if (this.#acceptKeyword('DISTINCT')) {
          this.#expectKeyword('FROM', 'after IS DISTINCT')
          const right = this.#concat()
          left = { kind: 'is_distinct', left, right, negated, span: { start: left.span.start, end: right.span.end } }
          continue
        }
        if (this.#acceptKeyword('TRUE') || this.#acceptKeyword('FALSE')) {
          // x IS [NOT] TRUE/FALSE: x IS NOT DISTINCT FROM TRUE
          const lit = this.#tokens[this.#pos - 1]!
          const right: Expr = { kind: 'literal', type: 'boolean', value: lit.value.toLowerCase(), span: sp(lit) }
          left = { kind: 'is_distinct', left, right, negated: !negated, span: { start: left.span.start, end: lit.end } }
          continue
        }
        this.#unexpected('NULL, NOT NULL, DISTINCT FROM, TRUE or FALSE after IS', {
          keywords: ['NULL', 'NOT', 'DISTINCT', 'TRUE', 'FALSE'],
        })
      }
      const negated = this.#isKeyword('NOT') && ['BETWEEN', 'IN', 'LIKE', 'ILIKE'].includes(keywordOf(this.#peek()))
      if (negated) this.#next()
      if (this.#acceptKeyword('BETWEEN')) {
        this.#acceptKeyword('SYMMETRIC')
        const low = this.#concat()
        this.#expectKeyword('AND', 'in BETWEEN ... AND ...')
        const high = this.#concat()
        left = {
          kind: 'between',
          operand: left,
          low,
          high,
          negated,
          span: { start: left.span.start, end: high.span.end },
        }
        continue
      }
      if (this.#acceptKeyword('IN')) {
        this.#expectPunct('(', 'after IN')
        if (this.#isKeyword('SELECT')) {
          const query = this.query()
          this.#expectPunct(')', 'to close the subquery')
          left = { kind: 'in_subquery', operand: left, query, negated, span: this.#span(left.span.start) }
          continue
        }
        const list: Expr[] = []
        do list.push(this.expr())
        while (this.#acceptPunct(','))
        this.#expectPunct(')', 'to close IN (...)')
        left = { kind: 'in_list', operand: left, list, negated, span: this.#span(left.span.start) }
        continue
      }
      const likeTok = this.#acceptKeyword('LIKE') ?? this.#acceptKeyword('ILIKE')
      if (likeTok !== undefined) {
        const pattern = this.#concat()
        const escapeChar = this.#acceptKeyword('ESCAPE') ? this.#concat() : undefined
        left = {
          kind: 'like',
          operand: left,
          pattern,
          ...(escapeChar === undefined ? {} : { escape: escapeChar }),
          caseInsensitive: keywordOf(likeTok) === 'ILIKE',
          negated,
          span: this.#span(left.span.start),
        }
        continue
      }
      if (negated) this.#unexpected('BETWEEN, IN, LIKE or ILIKE after NOT')

      return left
    }
  }

  #concat(): Expr {
    let left = this.#additive()
    for (let t = this.#acceptOp('||'); t !== undefined; t = this.#acceptOp('||')) {
      left = this.#binary('||', left, this.#additive(), t)
    }

    return left
  }

  #additive(): Expr {
    let left = this.#multiplicative()
    for (;;) {
      const t = this.#cur()
      if (this.#isOp('+') || this.#isOp('-')) {
        this.#next()
        left = this.#binary(t.value as BinaryOp, left, this.#multiplicative(), t)
      } else return left
    }
  }

  #multiplicative(): Expr {
    let left = this.#unary()
    for (;;) {
      const t = this.#cur()
      if (this.#isOp('*') || this.#isOp('/') || this.#isOp('%')) {
        this.#next()
        left = this.#binary(t.value as BinaryOp, left, this.#unary(), t)
      } else return left
    }
  }

  #unary(): Expr {
    const t = this.#cur()
    if (this.#isOp('-') || this.#isOp('+')) {
      this.#next()
      const operand = this.#nested(() => this.#unary())
      const span = { start: t.start, end: operand.span.end }
      // Fold the sign into a number so that -9223372036854775808 is a BIGINT, not an overflowing negation.
      if (
        operand.kind === 'literal' &&
        (operand.type === 'integer' || operand.type === 'decimal' || operand.type === 'float')
      ) {
        if (t.value === '+') return { ...operand, span }
        const value = operand.value.startsWith('-') ? operand.value.slice(1) : `-${operand.value}`

        return { ...operand, value, span }
      }
      if (operand.kind === 'interval' && t.value === '-') {
        return { kind: 'interval', months: -operand.months, days: -operand.days, nanos: -operand.nanos, span }
      }

      return { kind: 'unary', op: t.value as '-' | '+', operand, span }
    }

    return this.#postfix()
  }

  #postfix(): Expr {
    let e = this.#primary()
    while (this.#acceptOp('::')) {
      const target = this.#typeName()
      e = { kind: 'cast', operand: e, target, safe: false, span: { start: e.span.start, end: target.span.end } }
    }

    return e
  }

  #primary(): Expr {
    const t = this.#cur()
    switch (t.kind) {
      case 'integer':
      case 'decimal':
      case 'float':
        this.#next()

        return { kind: 'literal', type: t.kind, value: t.value, span: sp(t) }
      case 'string':
        this.#next()

        return { kind: 'literal', type: 'string', value: t.value, span: sp(t) }
      case 'duration': {
        this.#next()
        const m = /^(\d+)([a-z]+)$/.exec(t.value)!
        const parts = parseIntervalText(m[1]!, DURATION_UNIT[m[2]!]!)
        if (typeof parts === 'string') this.#error(t, `Bad duration ${t.text}: ${parts}`, { value: t.text })

        return { kind: 'interval', ...parts, span: sp(t) }
      }
      case 'quoted_identifier':
        return this.#columnOrCall()
      case 'punctuation':
        if (t.value === '(') {
          this.#next()
          if (this.#isKeyword('SELECT')) {
            const query = this.query()
            this.#expectPunct(')', 'to close the subquery')

            return { kind: 'subquery', query, span: this.#span(t.start) }
          }
          const inner = this.expr()
          this.#expectPunct(')', 'to close the parenthesis')

          return { ...inner, span: this.#span(t.start) }
        }
        break
      case 'identifier':
        return this.#keywordOrName()
      default:
        break
    }

    return this.#unexpected('an expression')
  }

  #keywordOrName(): Expr {
    const t = this.#cur()
    const word = t.value.toUpperCase()
    const next = this.#peek()
    switch (word) {
      case 'NULL':
        this.#next()

        return { kind: 'literal', type: 'null', value: 'null', span: sp(t) }
      case 'TRUE':
      case 'FALSE':
        this.#next()

        return { kind: 'literal', type: 'boolean', value: word.toLowerCase(), span: sp(t) }
      case 'CASE':
        return this.#case()
      case 'CAST':
      case 'TRY_CAST': {
        this.#next()
        this.#expectPunct('(', `after ${word}`)
        const operand = this.expr()
        this.#expectKeyword('AS', `in ${word}(x AS type)`)
        const target = this.#typeName()
        this.#expectPunct(')', `to close ${word}(...)`)

        return { kind: 'cast', operand, target, safe: word === 'TRY_CAST', span: this.#span(t.start) }
      }
      case 'INTERVAL':
        return this.#interval()
      case 'EXISTS': {
        this.#next()
        this.#expectPunct('(', 'after EXISTS')
        const query = this.query()
        this.#expectPunct(')', 'to close EXISTS (...)')

        return { kind: 'exists', query, negated: false, span: this.#span(t.start) }
      }
      case 'NOT':
        if (this.#isKeyword('EXISTS', next)) {
          this.#next()
          const e = this.#keywordOrName()

          return e.kind === 'exists' ? { ...e, negated: true, span: this.#span(t.start) } : e
        }
        break
      case 'DATE':
      case 'TIMESTAMP':
        if (next.kind === 'string') {
          this.#next()
          this.#next()

          return {
            kind: 'literal',
            type: word === 'DATE' ? 'date' : 'timestamp',
            value: next.value,
            span: this.#span(t.start),
          }
        }
        break
      case 'CURRENT_TIMESTAMP':
      case 'CURRENT_DATE':
      case 'LOCALTIMESTAMP':
        if (!this.#isPunct('(', next)) {
          this.#next()
          const name = { name: word, quoted: false, span: sp(t) }

          return { kind: 'call', name, args: [], star: false, distinct: false, span: sp(t) }
        }
        break
      default:
        break
    }
    if (CLAUSE_WORDS.has(word)) {
      this.#error(t, `Expected an expression but found the keyword ${word}`, {
        value: t.text,
        expected: 'a column, a literal or a function call',
        hint: `Complete the expression before ${word} (or remove the dangling WHERE, AND, OR or comma), or quote it to use it as a column name: "${t.value}"`,
      })
    }
    if (RESERVED.has(word) && !this.#isPunct('(', next)) {
      this.#error(t, `Expected an expression but found the keyword ${word}`, {
        value: t.text,
        expected: 'a column, a literal or a function call',
        hint: `Quote it to use it as a column name: "${t.value}"`,
      })
    }

    return this.#columnOrCall()
  }

  #columnOrCall(): Expr {
    const first = this.#cur()
    const name: Identifier = { name: first.value, quoted: first.kind === 'quoted_identifier', span: sp(first) }
    this.#next()
    if (this.#isPunct('(') && !name.quoted) return this.#call(name)
    if (this.#acceptPunct('.')) {
      const col = this.#cur()
      if (col.kind !== 'identifier' && col.kind !== 'quoted_identifier')
        this.#unexpected(`a column name after "${first.text}."`)
      this.#next()

      return {
        kind: 'column',
        qualifier: name,
        name: { name: col.value, quoted: col.kind === 'quoted_identifier', span: sp(col) },
        span: { start: first.start, end: col.end },
      }
    }

    return { kind: 'column', name, span: sp(first) }
  }

  #call(name: Identifier): Expr {
    const start = name.span.start
    const upper = name.name.toUpperCase()
    this.#expectPunct('(')
    let args: Expr[] = []
    let star = false
    let distinct = false
    const special = this.#specialArguments(upper)
    if (special !== undefined) {
      args = special.args
      name = { ...name, name: special.name ?? name.name }
    } else if (this.#acceptOp('*')) {
      star = true
    } else if (!this.#isPunct(')')) {
      if (this.#acceptKeyword('DISTINCT')) distinct = true
      else this.#acceptKeyword('ALL')
      do args.push(this.expr())
      while (this.#acceptPunct(','))
    }
    this.#expectPunct(')', `to close ${upper}(...)`)
    let filter: Expr | undefined
    if (this.#isKeyword('FILTER') && this.#isPunct('(', this.#peek())) {
      this.#next()
      this.#next()
      this.#expectKeyword('WHERE', 'in FILTER (WHERE ...)')
      filter = this.expr()
      this.#expectPunct(')', 'to close FILTER (...)')
    }
    const over = this.#isKeyword('OVER') ? this.#over() : undefined
    const call: FunctionCall = {
      kind: 'call',
      name,
      args,
      star,
      distinct,
      ...(filter === undefined ? {} : { filter }),
      ...(over === undefined ? {} : { over }),
      span: this.#span(start),
    }

    return call
  }

  /** The standard's keyword argument forms, turned into plain arguments. */
  #specialArguments(upper: string): { args: Expr[]; name?: string } | undefined {
    if (upper === 'EXTRACT' || upper === 'DATE_PART') {
      const t = this.#cur()
      if (t.kind === 'identifier' && this.#isKeyword('FROM', this.#peek())) {
        this.#next()
        this.#next()
        const field: Expr = { kind: 'literal', type: 'string', value: t.value.toUpperCase(), span: sp(t) }

        return { args: [field, this.expr()] }
      }

      return undefined
    }
    if (upper === 'POSITION') {
      const save = this.#pos
      const needle = this.#concat()
      if (this.#acceptKeyword('IN')) return { args: [needle, this.expr()] }
      this.#pos = save

      return undefined
    }
    if (upper === 'SUBSTRING' || upper === 'SUBSTR') {
      const save = this.#pos
      const s = this.expr()
      if (this.#acceptKeyword('FROM')) {
        const from = this.expr()
        const args = [s, from]
        if (this.#acceptKeyword('FOR')) args.push(this.expr())

        return { args }
      }
      this.#pos = save

      return undefined
    }
    if (upper === 'TRIM') {
      let name = 'TRIM'
      if (this.#acceptKeyword('LEADING')) name = 'LTRIM'
      else if (this.#acceptKeyword('TRAILING')) name = 'RTRIM'
      else this.#acceptKeyword('BOTH')
      if (this.#acceptKeyword('FROM')) return { args: [this.expr()], name }
      if (name === 'TRIM' && this.#isPunct(')')) return undefined
      const first = this.expr()
      if (this.#acceptKeyword('FROM')) return { args: [this.expr(), first], name }
      if (name !== 'TRIM')
        this.#unexpected(`FROM in ${name === 'LTRIM' ? 'TRIM(LEADING ... FROM s)' : 'TRIM(TRAILING ... FROM s)'}`)
      const args = [first]
      while (this.#acceptPunct(',')) args.push(this.expr())

      return { args }
    }

    return undefined
  }

  #over(): OverClause {
    const start = this.#expectKeyword('OVER').start
    this.#expectPunct('(', 'after OVER')
    const partitionBy: Expr[] = []
    if (this.#acceptKeyword('PARTITION')) {
      this.#expectKeyword('BY', 'after PARTITION')
      do partitionBy.push(this.expr())
      while (this.#acceptPunct(','))
    }
    const orderBy: OrderItem[] = []
    if (this.#acceptKeyword('ORDER')) {
      this.#expectKeyword('BY', 'after ORDER')
      orderBy.push(...this.#orderItems())
    }
    let frame: WindowFrame | undefined
    const unitsTok = this.#acceptKeyword('ROWS') ?? this.#acceptKeyword('RANGE')
    if (unitsTok !== undefined) {
      const units = keywordOf(unitsTok) === 'ROWS' ? 'rows' : 'range'
      if (this.#acceptKeyword('BETWEEN')) {
        const s = this.#frameBound()
        this.#expectKeyword('AND', 'in BETWEEN ... AND ...')
        const e = this.#frameBound()
        frame = { units, start: s, end: e, span: this.#span(unitsTok.start) }
      } else {
        frame = { units, start: this.#frameBound(), end: { kind: 'current_row' }, span: this.#span(unitsTok.start) }
      }
    }
    const t = this.#cur()
    if (t.kind === 'identifier' && !this.#isPunct(')')) {
      const word = t.value.toUpperCase()
      if (word === 'GROUPS' || word === 'EXCLUDE') {
        this.#error(t, `${word === 'GROUPS' ? 'GROUPS frames are' : 'EXCLUDE in a frame is'} not supported`, {
          value: t.text,
          hint: 'Write a ROWS frame (ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) or a RANGE frame with UNBOUNDED PRECEDING, CURRENT ROW or UNBOUNDED FOLLOWING',
        })
      }
    }
    this.#expectPunct(')', 'to close OVER (...)')

    return { partitionBy, orderBy, ...(frame === undefined ? {} : { frame }), span: this.#span(start) }
  }

  #frameBound(): FrameBound {
    if (this.#acceptKeyword('UNBOUNDED', 'PRECEDING')) return { kind: 'unbounded_preceding' }
    if (this.#acceptKeyword('UNBOUNDED', 'FOLLOWING')) return { kind: 'unbounded_following' }
    if (this.#acceptKeyword('CURRENT', 'ROW')) return { kind: 'current_row' }
    const offset = this.#additive()
    if (this.#acceptKeyword('PRECEDING')) return { kind: 'preceding', offset }
    if (this.#acceptKeyword('FOLLOWING')) return { kind: 'following', offset }

    return this.#unexpected('PRECEDING or FOLLOWING', {
      keywords: ['PRECEDING', 'FOLLOWING'],
      hint: 'A frame bound is UNBOUNDED PRECEDING, n PRECEDING, CURRENT ROW, n FOLLOWING or UNBOUNDED FOLLOWING, e.g. ROWS BETWEEN 2 PRECEDING AND CURRENT ROW',
    })
  }

  #case(): CaseExpr {
    const start = this.#expectKeyword('CASE').start
    const operand = this.#isKeyword('WHEN') ? undefined : this.expr()
    const whens: Array<{ condition: Expr; result: Expr }> = []
    while (this.#acceptKeyword('WHEN')) {
      const condition = this.expr()
      this.#expectKeyword('THEN', 'after the WHEN condition')
      whens.push({ condition, result: this.expr() })
    }
    if (whens.length === 0) this.#unexpected('WHEN in CASE', { keywords: ['WHEN'] })
    const otherwise = this.#acceptKeyword('ELSE') ? this.expr() : undefined
    this.#expectKeyword('END', 'to close CASE')

    return {
      kind: 'case',
      ...(operand === undefined ? {} : { operand }),
      whens,
      ...(otherwise === undefined ? {} : { else: otherwise }),
      span: this.#span(start),
    }
  }

  #interval(): IntervalLiteral {
    const start = this.#expectKeyword('INTERVAL').start
    const valueTok = this.#cur()
    let text: string
    if (valueTok.kind === 'string' || valueTok.kind === 'integer' || valueTok.kind === 'decimal') text = valueTok.value
    else if (this.#isOp('-') && ['integer', 'decimal'].includes(this.#peek().kind)) {
      this.#next()
      text = `-${this.#cur().value}`
    } else this.#unexpected("a quoted amount after INTERVAL, e.g. INTERVAL '5' MINUTE")
    this.#next()
    const unitOf = (): IntervalUnit | undefined => {
      const u = INTERVAL_UNITS[keywordOf(this.#cur())]
      if (u !== undefined) this.#next()

      return u
    }
    const from = unitOf()
    let to: IntervalUnit | undefined
    if (from !== undefined && this.#acceptKeyword('TO')) {
      to = unitOf()
      if (to === undefined) this.#unexpected('an interval unit after TO', { keywords: Object.keys(INTERVAL_UNITS) })
    }
    if (from === undefined && valueTok.kind !== 'string') {
      this.#unexpected('an interval unit (YEAR, MONTH, DAY, HOUR, MINUTE, SECOND, ...)', {
        keywords: Object.keys(INTERVAL_UNITS),
      })
    }
    const span = this.#span(start)
    const parts = parseIntervalText(text, from, to)
    if (typeof parts === 'string') {
      this.#error(span, `Bad interval literal: ${parts}`, {
        value: this.#source.text.slice(span.start, span.end),
        expected: "INTERVAL '5' MINUTE, INTERVAL '1-2' YEAR TO MONTH, INTERVAL '1 02:00:00' DAY TO SECOND or 5m",
      })
    }

    return { kind: 'interval', ...parts, span }
  }

  /** `name TYPE [NOT NULL | NULL], ...` up to `closer` (a punctuation) or the end of the text. */
  /** Column definitions; with `primaryKey`, also `name TYPE PRIMARY KEY` and `PRIMARY KEY (a, b)` entries. */
  columnDefinitions(closer?: string, primaryKey?: Identifier[]): ColumnDefinition[] {
    const columns: ColumnDefinition[] = []
    const seen = new Map<string, ColumnDefinition>()
    do {
      const start = this.#cur().start
      if (primaryKey !== undefined && this.#isKeyword('PRIMARY') && this.#isKeyword('KEY', this.#peek())) {
        const at = this.#cur()
        this.#acceptKeyword('PRIMARY', 'KEY')
        if (primaryKey.length > 0) this.#error(at, 'The PRIMARY KEY is declared twice', { hint: 'Keep one of them' })
        this.#expectPunct('(', 'after PRIMARY KEY')
        do primaryKey.push(this.#identifier('a key column name'))
        while (this.#acceptPunct(','))
        this.#expectPunct(')', 'to close PRIMARY KEY (...)')
        continue
      }
      const name = this.#identifier('a column name')
      const type = this.#typeName()
      let nullable = true
      if (this.#acceptKeyword('NOT', 'NULL')) nullable = false
      else this.#acceptKeyword('NULL')
      if (primaryKey !== undefined && this.#isKeyword('PRIMARY') && this.#isKeyword('KEY', this.#peek())) {
        const at = this.#cur()
        this.#acceptKeyword('PRIMARY', 'KEY')
        if (primaryKey.length > 0) this.#error(at, 'The PRIMARY KEY is declared twice', { hint: 'Keep one of them' })
        primaryKey.push(name)
      }
      const column: ColumnDefinition = { name, type, nullable, span: this.#span(start) }
      const key = name.quoted ? name.name : name.name.toLowerCase()
      const earlier = seen.get(key)
      if (earlier !== undefined) {
        const at = this.#source.locate(earlier.span.start)
        this.#error(name.span, `Column "${name.name}" is declared twice`, {
          value: name.name,
          hint: `It was first declared at line ${at.line}, column ${at.column}; rename or remove one of them`,
        })
      }
      seen.set(key, column)
      columns.push(column)
    } while (this.#acceptPunct(','))
    if (closer === undefined ? this.#cur().kind !== 'eof' : !this.#isPunct(closer)) {
      this.#unexpected(`"," or ${closer === undefined ? 'the end of the column list' : `"${closer}"`}`, {
        hint: "Columns are written 'name TYPE, name TYPE', e.g. 'id BIGINT, amount DECIMAL(12,2), ts TIMESTAMP(3)'",
      })
    }

    return columns
  }

  #typeName(): TypeName {
    const t = this.#cur()
    if (t.kind !== 'identifier') this.#unexpected('a type name, e.g. BIGINT, DOUBLE, DECIMAL(10, 2), STRING, TIMESTAMP')
    const word = t.value.toUpperCase()
    this.#next()
    const numbers = (): number[] => {
      const out: number[] = []
      if (!this.#acceptPunct('(')) return out
      do {
        const n = this.#cur()
        if (n.kind !== 'integer') this.#unexpected(`a whole number in ${word}(...)`)
        this.#next()
        out.push(Number(n.value))
      } while (this.#acceptPunct(','))
      this.#expectPunct(')', `to close ${word}(...)`)

      return out
    }
    let type: DataType | undefined
    if (word === 'DECIMAL' || word === 'NUMERIC' || word === 'DEC') {
      const [p = DEFAULT_DECIMAL_PRECISION, s = 0] = numbers()
      if (p < 1 || p > 76 || s > p) {
        this.#error(this.#span(t.start), `${word}(${p}, ${s}) is not a valid decimal type`, {
          expected: 'a precision from 1 to 76 and a scale from 0 to the precision',
        })
      }
      type = T.decimal(p, s)
    } else if (word === 'TIMESTAMP' || word === 'TIMESTAMPTZ' || word === 'TIME') {
      const [digits] = numbers()
      if (digits !== undefined && (digits < 0 || digits > 9)) {
        this.#error(this.#span(t.start), `${word}(${digits}): the precision must be 0 to 9`, { expected: '0 to 9' })
      }
      const unit = timeUnitOf(digits)
      let zoned = word === 'TIMESTAMPTZ'
      if (this.#acceptKeyword('WITH', 'TIME', 'ZONE')) zoned = true
      else if (this.#acceptKeyword('WITHOUT', 'TIME', 'ZONE')) zoned = false
      type = word === 'TIME' ? T.time(unit) : T.timestamp(unit, zoned ? 'UTC' : undefined)
    } else if (word === 'DOUBLE') {
      this.#acceptKeyword('PRECISION')
      type = T.float64
    } else if (word === 'CHARACTER' || word === 'CHAR' || word === 'VARCHAR') {
      this.#acceptKeyword('VARYING')
      numbers()
      type = T.string
    } else {
      type = SIMPLE_TYPES[word]
    }
    if (type === undefined) {
      const guess = closest(word, TYPE_NAMES)
      this.#error(t, `Unknown type ${t.text}${guess.length > 0 ? `. Did you mean ${guess.join(' or ')}?` : ''}`, {
        value: t.text,
        expected: `one of ${TYPE_NAMES.join(', ')}`,
      })
    }

    return { type, text: this.#source.text.slice(t.start, this.#span(t.start).end), span: this.#span(t.start) }
  }
}
