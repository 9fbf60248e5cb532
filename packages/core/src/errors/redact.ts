/**
 * Secrets must never reach logs, errors or output. Connection strings are redacted where they are printed;
 * this is the last line of defence for text that may embed one (a vendor error quoting a URI, say).
 */

const REDACTED = '***'

/** Option and parameter names whose values are secret wherever they appear. */
const SECRET_KEY =
  /(pass(word)?|secret|token|credential|api[_-]?key|private[_-]?key|session[_-]?key|sasl[._-]?password|access[_-]?key[_-]?secret|secret[_-]?access[_-]?key)/i

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key)
}

/**
 * Masks the password of `scheme://user:password@host` URIs and the values of secret-looking
 * `key=value` parameters in free text.
 */
export function redactSecrets(text: string): string {
  return (
    text
      // user:password@ in any URI-like text. The password runs to the LAST "@" before white space or a quote:
      // an unencoded "@", "/" or "?" inside it must not leave the rest of it showing.
      .replace(/([a-z][a-z0-9+.-]*:\/\/[^\s/:@'"]*:)([^\s'"]+)(@)/gi, `$1${REDACTED}$3`)
      // ?password=...&  /  'x.sasl.password' = '...'  /  "token": "..."  /  password:hunter2
      // A colon followed by a blank and an unquoted word is prose, not a pair: `orders.password: this option
      // is required` must keep its words, or every message about a secret option would lose its meaning.
      .replace(
        /([?&;\s,'"]|^)([\w.-]*(?:pass(?:word)?|secret|token|api[_-]?key|credential)[\w.-]*)(['"]?\s*=\s*['"]?|['"]\s*:\s*['"]?|:(?=[^\s'"]))([^&\s'",;]+)/gi,
        `$1$2$3${REDACTED}`,
      )
  )
}

export { REDACTED }
