/**
 * A SIP directory held in memory, built from configured users: HA1 values are computed once per realm and
 * algorithm, the passwords are not kept. The node's persistent user store implements the same interface.
 */
import type { E164 } from '../core/e164.js'
import type { SipDirectory, SipUser } from '../sip/agent/index.js'
import { digestHa1, type DigestAlgorithm } from '../sip/auth/index.js'

export interface ConfiguredUser {
  readonly name: string
  readonly password: string
  readonly number?: E164
  /** A fixed contact URI, called besides the user's registrations (e.g. sip:desk@10.0.0.5:5060;transport=tcp). */
  readonly contact?: string
}

export class StaticSipDirectory implements SipDirectory {
  private readonly users = new Map<string, { user: SipUser; ha1: Record<DigestAlgorithm, string> }>()
  private readonly numbers = new Map<string, SipUser>()

  constructor(
    readonly realm: string,
    users: readonly ConfiguredUser[],
  ) {
    for (const u of users) {
      const user: SipUser = {
        name: u.name,
        ...(u.number !== undefined && { number: u.number }),
        ...(u.contact !== undefined && { contact: u.contact }),
      }
      this.users.set(u.name, {
        user,
        ha1: {
          MD5: digestHa1('MD5', u.name, realm, u.password),
          'SHA-256': digestHa1('SHA-256', u.name, realm, u.password),
        },
      })
      if (u.number !== undefined) this.numbers.set(u.number, user)
    }
  }

  ha1(user: string, realm: string, algorithm: DigestAlgorithm): string | undefined {
    return realm === this.realm ? this.users.get(user)?.ha1[algorithm] : undefined
  }

  user(name: string): SipUser | undefined {
    return this.users.get(name)?.user
  }

  userByNumber(number: E164): SipUser | undefined {
    return this.numbers.get(number)
  }
}
