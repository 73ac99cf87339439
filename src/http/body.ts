/** Reading a JSON request body: bounded, typed as JSON, an object; every refusal says what was wrong. */
import type { IncomingMessage } from 'node:http'
import { err, ok, type Result } from '../core/result.js'

export interface BodyRefusal {
  readonly status: 400 | 413 | 415
  readonly error: string
}

export const MAX_BODY_BYTES = 16 * 1024

export async function readJsonObject(
  req: IncomingMessage,
  maxBytes = MAX_BODY_BYTES,
): Promise<Result<Record<string, unknown>, BodyRefusal>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/json') {
    return err({ status: 415, error: `the body must be application/json; got ${type === '' ? 'no type' : type}` })
  }
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > maxBytes) return err({ status: 413, error: `the body is larger than ${maxBytes} bytes` })
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > maxBytes) return err({ status: 413, error: `the body is larger than ${maxBytes} bytes` })
    chunks.push(chunk)
  }
  let value: unknown
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch (e) {
    return err({ status: 400, error: `the body is not valid JSON: ${(e as Error).message}` })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return err({ status: 400, error: 'the body must be a JSON object' })
  }
  return ok(value as Record<string, unknown>)
}
