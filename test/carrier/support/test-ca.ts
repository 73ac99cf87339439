/**
 * A certificate authority made for one test run (openssl, EC P-256, one day), and a server certificate it signs for
 * 127.0.0.1 and localhost: what a carrier's TLS listener presents and what the trunk is told to trust.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TestCa {
  readonly dir: string
  /** The CA's certificate (PEM file), to trust. */
  readonly caFile: string
  /** The server's certificate and key (PEM files), signed by the CA. */
  readonly certFile: string
  readonly keyFile: string
  remove(): void
}

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] })
const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']

export function makeTestCa(name: string): TestCa {
  const dir = mkdtempSync(join(tmpdir(), `ime-ca-${name}-`))
  const at = (f: string) => join(dir, f)
  openssl([
    'req',
    '-x509',
    ...ec,
    '-days',
    '1',
    '-subj',
    `/CN=${name} test CA`,
    '-keyout',
    at('ca.key'),
    '-out',
    at('ca.pem'),
  ])
  openssl(['req', ...ec, '-subj', '/CN=localhost', '-keyout', at('server.key'), '-out', at('server.csr')])
  writeFileSync(at('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
  // prettier-ignore
  openssl(['x509', '-req', '-in', at('server.csr'), '-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-CAcreateserial',
    '-days', '1', '-extfile', at('san.ext'), '-out', at('server.pem')])
  readFileSync(at('server.pem'))
  return {
    dir,
    caFile: at('ca.pem'),
    certFile: at('server.pem'),
    keyFile: at('server.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}
