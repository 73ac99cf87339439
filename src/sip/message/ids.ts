/**
 * Branches and tags (RFC 3261 sections 8.1.1.7 and 19.3). They must be unique, not secret: a random
 * per-process prefix and a counter (no system call each).
 */
import { randomBytes } from 'node:crypto'
import { BRANCH_MAGIC_COOKIE } from './constants.js'

const UNIQUE_PREFIX = randomBytes(6).toString('hex')
let uniqueCounter = 0
const unique = () => UNIQUE_PREFIX + (++uniqueCounter).toString(36)

/** A new Via branch with the magic cookie: the id of a new client transaction. */
export const newBranch = (): string => BRANCH_MAGIC_COOKIE + unique()

/** A new From or To tag. */
export const newTag = (): string => unique()
