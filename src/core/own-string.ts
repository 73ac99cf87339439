/**
 * A string with characters of its own. V8 represents a substring as a slice that references its parent, and a
 * concatenation as a pair of references: a header sliced from a message's text and kept in a long-lived table keeps
 * the whole message alive. JSON round-tripping a string always allocates a flat, independent one.
 */
export function ownString(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string
}
