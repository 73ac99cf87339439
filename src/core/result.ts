/**
 * Errors as values: parsers and validators return a Result whose error says, in words a person can act on,
 * what was wrong ("number has 17 digits; E.164 allows at most 15"), never just "invalid".
 */
export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E }

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value })
export const err = <E = string>(error: E): { ok: false; error: E } => ({ ok: false, error })

/** Unwraps a Result, throwing an Error carrying its message; for call sites where failure is a bug or fatal. */
export function unwrap<T>(result: Result<T, string>, context?: string): T {
  if (result.ok) return result.value
  throw new Error(context === undefined ? result.error : `${context}: ${result.error}`)
}
