/**
 * The SIP message layer (RFC 3261 sections 7, 19, 20, 25) in one import: parse, inspect, edit, build and
 * serialise messages. Pure: no I/O, no timers. Every other layer sits on this one.
 */
export * from './constants.js'
export * from './header-values.js'
export * from './headers.js'
export * from './ids.js'
export * from './message.js'
export * from './parser.js'
export * from './serialise.js'
export * from './uri.js'
export * from './numbers.js'
