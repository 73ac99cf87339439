/** The SIP message codec in one import: parse, frame, inspect, edit, build and serialise messages. */
export * from './constants.js'
export * from './header-values.js'
export * from './headers.js'
export * from './message.js'
export * from './parser.js'
export * from './serialise.js'
export * from './stream-framer.js'
export * from './uri.js'
