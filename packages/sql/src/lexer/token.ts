/** The kinds of token the lexer produces. Keywords are identifiers; the parser decides by context. */
export type TokenKind =
  | 'identifier'
  /** `"Quoted"` or `` `quoted` ``: case kept, never a keyword. */
  | 'quoted_identifier'
  | 'string'
  | 'integer'
  | 'decimal'
  /** A number with an exponent: `1e3`, `2.5E-2`. */
  | 'float'
  /** `5m`, `30s`, `100ms`: a number glued to a time unit. */
  | 'duration'
  | 'operator'
  | 'punctuation'
  | 'eof'

export interface Token {
  readonly kind: TokenKind
  /** The token as written in the source. */
  readonly text: string
  /** The decoded value: identifier name, string contents, number digits. */
  readonly value: string
  /** Offset of the first character in the source text. */
  readonly start: number
  /** Offset just after the last character. */
  readonly end: number
}

/** Upper-cased text of an unquoted identifier, for keyword checks; empty for anything else. */
export function keywordOf(token: Token): string {
  return token.kind === 'identifier' ? token.value.toUpperCase() : ''
}

/** How a token is named in error messages. */
export function describeToken(token: Token): string {
  if (token.kind === 'eof') return 'the end of the input'
  if (token.kind === 'string') return `string ${token.text}`

  return `"${token.text}"`
}
