/**
 * GET /api/contacts: the enterprise's own directory for its softphones. Each user with a number, and whether
 * their phone is registered now (presence). Nothing leaves the enterprise: the list is its own users, served
 * to its own signed-in users; names that a user gives to outside numbers stay in that user's browser.
 */
import type { RouteSpec } from './router.js'

export interface DirectoryEntry {
  readonly name: string
  readonly number: string
  /** The user's phone is registered with the node's SIP registrar now. */
  readonly registered: boolean
}

/** The directory as the node knows it now; without it, GET /api/contacts answers 404. */
export type Directory = () => readonly DirectoryEntry[]

export function contactRoutes(directory: Directory | undefined): RouteSpec[] {
  return [
    {
      method: 'GET',
      path: '/api/contacts',
      access: 'signed-in',
      handle({ principal }) {
        if (directory === undefined) return { status: 404, body: { error: 'this node keeps no directory' } }
        const contacts = directory()
          .filter((c) => c.name !== principal!.name)
          .map((c) => ({ name: c.name, number: c.number, registered: c.registered }))
          .sort((a, b) => a.name.localeCompare(b.name))
        // Presence changes by the minute: never from a cache.
        return { status: 200, body: { contacts }, headers: { 'cache-control': 'no-store' } }
      },
    },
  ]
}
