import type { DataType } from '@ferris/core'
import type { Span } from './source-text.js'

/**
 * The syntax tree of a SQL application. Every node keeps its `span` in the source text so that any later
 * stage (analyzer, planner, runner) can point an error at the exact text. Clauses that only a later stage
 * executes (GROUP BY, HAVING, WINDOW, JOIN, OVER, subqueries) are parsed in full and have their place here.
 */

export interface Node {
  readonly span: Span
}

export interface Identifier extends Node {
  /** The name as written, unquoted; SQL folds unquoted names, so lookups are case-insensitive unless `quoted`. */
  readonly name: string
  readonly quoted: boolean
}

// ---------------------------------------------------------------- statements

export interface Application {
  readonly statements: readonly Statement[]
  /** `CREATE STREAM readings (station STRING, temp DECIMAL(3,1)) WITH (...)`: sources declared without a query. */
  readonly declarations?: readonly SourceDeclaration[]
}

/** One column of a declared schema: `temp DECIMAL(3,1) NOT NULL`. */
export interface ColumnDefinition extends Node {
  readonly name: Identifier
  readonly type: TypeName
  readonly nullable: boolean
}

/**
 * `CREATE STREAM|TABLE name (columns) WITH (...)` (the ksqlDB and Flink form): declares a source's columns
 * and connector properties without a query; statements read it by name.
 */
export interface SourceDeclaration extends Node {
  readonly kind: 'declare_source'
  readonly name: Identifier
  readonly columns: readonly ColumnDefinition[]
  readonly properties: readonly Property[]
  /** `CREATE TABLE`: the source is a table (a changelog kept current by key), not a stream. */
  readonly table?: boolean
  /** `id BIGINT PRIMARY KEY` or `PRIMARY KEY (a, b)`: the columns a table's changes replace rows by. */
  readonly primaryKey?: readonly Identifier[]
}

export type Statement = CreateStreamStatement | CreateTableStatement | InsertStatement | SelectStatement

export type EmitMode = 'changes' | 'final'

interface StatementBase extends Node {
  readonly query: Query
  readonly emit?: { readonly mode: EmitMode; readonly span: Span }
  readonly properties: readonly Property[]
  /** 0-based position of the statement in the application. */
  readonly index: number
}

export interface CreateStreamStatement extends StatementBase {
  readonly kind: 'create_stream'
  readonly name: Identifier
  readonly orReplace: boolean
}

export interface CreateTableStatement extends StatementBase {
  readonly kind: 'create_table'
  readonly name: Identifier
  readonly orReplace: boolean
  /** `CREATE TABLE t (PRIMARY KEY (id)) AS SELECT ...`: the key rows replace each other by. */
  readonly primaryKey?: readonly Identifier[]
}

export interface InsertStatement extends StatementBase {
  readonly kind: 'insert'
  readonly target: Identifier
}

/** A bare SELECT: its rows go back to the caller (the CLI prints them). */
export interface SelectStatement extends StatementBase {
  readonly kind: 'select'
}

/** `'orders.path' = './orders.csv'` in a WITH clause. */
export interface Property extends Node {
  readonly key: string
  readonly value: string
  readonly keySpan: Span
  readonly valueSpan: Span
}

// ---------------------------------------------------------------- queries

export interface Query extends Node {
  readonly distinct: boolean
  readonly select: readonly SelectItem[]
  readonly from: FromItem
  readonly where?: Expr
  readonly groupBy: readonly Expr[]
  readonly having?: Expr
  readonly window?: WindowClause
  readonly orderBy: readonly OrderItem[]
  readonly limit?: { readonly value: bigint; readonly span: Span }
}

export type SelectItem =
  | { readonly kind: 'expr'; readonly expr: Expr; readonly alias?: Identifier; readonly span: Span }
  /** `*` or `t.*` */
  | { readonly kind: 'star'; readonly qualifier?: Identifier; readonly span: Span }

export type FromItem = NamedSource | UriSource | SubquerySource | JoinSource

/** `FROM orders [AS o]`: a source configured by WITH properties, or a stream/table of the application. */
export interface NamedSource extends Node {
  readonly kind: 'named'
  readonly name: Identifier
  readonly alias?: Identifier
}

/** `FROM 'file:///data/x.csv' [AS x]`: a source given by its connection string. */
export interface UriSource extends Node {
  readonly kind: 'uri'
  readonly uri: string
  readonly alias?: Identifier
}

export interface SubquerySource extends Node {
  readonly kind: 'subquery'
  readonly query: Query
  readonly alias?: Identifier
}

export type JoinType = 'inner' | 'left' | 'right' | 'full' | 'cross'

export interface JoinSource extends Node {
  readonly kind: 'join'
  readonly type: JoinType
  readonly left: FromItem
  readonly right: FromItem
  readonly on?: Expr
  readonly using?: readonly Identifier[]
  /** `WITHIN INTERVAL '1' HOUR`: the time bound of a stream-to-stream join. */
  readonly within?: Expr
}

export type WindowKind = 'tumbling' | 'sliding' | 'session'

/** `WINDOW TUMBLING(event_time, INTERVAL '1' MINUTE)`, `WINDOW SLIDING(5m, 1m)`, `WINDOW SESSION(30s)`. */
export interface WindowClause extends Node {
  readonly kind: WindowKind
  readonly args: readonly Expr[]
}

export interface OrderItem extends Node {
  readonly expr: Expr
  readonly descending: boolean
  readonly nullsFirst?: boolean
}

// ---------------------------------------------------------------- expressions

export type Expr =
  | ColumnRef
  | Literal
  | IntervalLiteral
  | UnaryExpr
  | BinaryExpr
  | IsNullExpr
  | IsDistinctExpr
  | BetweenExpr
  | InListExpr
  | InSubqueryExpr
  | LikeExpr
  | CaseExpr
  | CastExpr
  | FunctionCall
  | SubqueryExpr
  | ExistsExpr

/** `amount`, `o.amount`, `"Amount"`. */
export interface ColumnRef extends Node {
  readonly kind: 'column'
  readonly qualifier?: Identifier
  readonly name: Identifier
}

export type LiteralType = 'null' | 'boolean' | 'integer' | 'decimal' | 'float' | 'string' | 'date' | 'timestamp'

export interface Literal extends Node {
  readonly kind: 'literal'
  readonly type: LiteralType
  /** The text of the value (digits, string contents, `true`); typed by the analyzer. */
  readonly value: string
}

export type IntervalUnit =
  | 'YEAR'
  | 'MONTH'
  | 'WEEK'
  | 'DAY'
  | 'HOUR'
  | 'MINUTE'
  | 'SECOND'
  | 'MILLISECOND'
  | 'MICROSECOND'
  | 'NANOSECOND'

/** `INTERVAL '5' MINUTE`, `INTERVAL '1 02:00' DAY TO MINUTE`, or a duration `5m`. */
export interface IntervalLiteral extends Node {
  readonly kind: 'interval'
  readonly months: number
  readonly days: number
  readonly nanos: bigint
}

export type UnaryOp = 'NOT' | '-' | '+'

export interface UnaryExpr extends Node {
  readonly kind: 'unary'
  readonly op: UnaryOp
  readonly operand: Expr
}

export type BinaryOp = 'OR' | 'AND' | '=' | '<>' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%' | '||'

export interface BinaryExpr extends Node {
  readonly kind: 'binary'
  readonly op: BinaryOp
  readonly left: Expr
  readonly right: Expr
  /** Where the operator itself is, for type errors. */
  readonly opSpan: Span
}

export interface IsNullExpr extends Node {
  readonly kind: 'is_null'
  readonly operand: Expr
  readonly negated: boolean
}

export interface IsDistinctExpr extends Node {
  readonly kind: 'is_distinct'
  readonly left: Expr
  readonly right: Expr
  /** `IS NOT DISTINCT FROM` */
  readonly negated: boolean
}

export interface BetweenExpr extends Node {
  readonly kind: 'between'
  readonly operand: Expr
  readonly low: Expr
  readonly high: Expr
  readonly negated: boolean
}

export interface InListExpr extends Node {
  readonly kind: 'in_list'
  readonly operand: Expr
  readonly list: readonly Expr[]
  readonly negated: boolean
}

export interface InSubqueryExpr extends Node {
  readonly kind: 'in_subquery'
  readonly operand: Expr
  readonly query: Query
  readonly negated: boolean
}

export interface LikeExpr extends Node {
  readonly kind: 'like'
  readonly operand: Expr
  readonly pattern: Expr
  readonly escape?: Expr
  readonly caseInsensitive: boolean
  readonly negated: boolean
}

export interface CaseExpr extends Node {
  readonly kind: 'case'
  /** `CASE x WHEN 1 THEN ...`; absent for a searched CASE. */
  readonly operand?: Expr
  readonly whens: ReadonlyArray<{ readonly condition: Expr; readonly result: Expr }>
  readonly else?: Expr
}

/** A type as written in CAST, with its SQL spelling kept for messages. */
export interface TypeName extends Node {
  readonly text: string
  readonly type: DataType
}

export interface CastExpr extends Node {
  readonly kind: 'cast'
  readonly operand: Expr
  readonly target: TypeName
  /** TRY_CAST: NULL instead of an error when the value does not convert. */
  readonly safe: boolean
}

/** `OVER (PARTITION BY ... ORDER BY ... ROWS BETWEEN ...)` of a window function. */
export interface OverClause extends Node {
  readonly partitionBy: readonly Expr[]
  readonly orderBy: readonly OrderItem[]
  readonly frame?: WindowFrame
}

export type FrameBound =
  | { readonly kind: 'unbounded_preceding' }
  | { readonly kind: 'preceding'; readonly offset: Expr }
  | { readonly kind: 'current_row' }
  | { readonly kind: 'following'; readonly offset: Expr }
  | { readonly kind: 'unbounded_following' }

export interface WindowFrame extends Node {
  readonly units: 'rows' | 'range'
  readonly start: FrameBound
  readonly end: FrameBound
}

/**
 * A function call, scalar or aggregate: `UPPER(name)`, `COUNT(*)`, `COUNT(DISTINCT x)`,
 * `SUM(x) FILTER (WHERE ...)`, `ROW_NUMBER() OVER (...)`. Special syntaxes are normalized into plain
 * arguments: `EXTRACT(YEAR FROM t)` is `EXTRACT('YEAR', t)`, `POSITION(a IN b)` is `POSITION(a, b)`,
 * `SUBSTRING(s FROM 2 FOR 3)` is `SUBSTRING(s, 2, 3)`, `TRIM(LEADING 'x' FROM s)` is `LTRIM(s, 'x')`.
 */
export interface FunctionCall extends Node {
  readonly kind: 'call'
  readonly name: Identifier
  readonly args: readonly Expr[]
  /** `COUNT(*)` */
  readonly star: boolean
  readonly distinct: boolean
  readonly filter?: Expr
  readonly over?: OverClause
}

/** `(SELECT ...)` used as a value. */
export interface SubqueryExpr extends Node {
  readonly kind: 'subquery'
  readonly query: Query
}

export interface ExistsExpr extends Node {
  readonly kind: 'exists'
  readonly query: Query
  readonly negated: boolean
}
