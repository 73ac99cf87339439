/**
 * The Kamailio configuration of the demo's carrier (`ime demo --carrier`), made from the world's layout: a carrier
 * on TCP and UDP that knows two kinds of trunk customer and routes by number. A registering trunk registers with digest
 * (401) and its numbers are reached down that registration (nathelper keeps the address the REGISTER came from, as
 * carriers do behind NAT); its calls out are challenged (407). An IP-authenticated trunk does not register: its
 * numbers are sent to its configured address, and its calls out are taken from its source address when the caller
 * is one of its numbers. The legacy phones' numbers go to the phones. Pure: the text only, no I/O.
 */
import type { E164 } from '../core/e164.js'

export interface RegisteringCustomer {
  readonly kind: 'register'
  readonly user: string
  readonly password: string
  readonly numbers: readonly E164[]
}

export interface IpAuthCustomer {
  readonly kind: 'ip'
  readonly numbers: readonly E164[]
  /** Where the carrier sends calls to these numbers: the node's trunk face (host:port, TCP). */
  readonly address: string
  /** The node's source address, the only one its calls out are taken from. */
  readonly sourceIp: string
}

export type CarrierCustomer = RegisteringCustomer | IpAuthCustomer

export interface CarrierLayout {
  /** host:port the carrier listens on (TCP and UDP). */
  readonly listen: string
  readonly realm: string
  readonly customers: readonly CarrierCustomer[]
  /** The legacy phones: numbers and the host:port (TCP) of the SIP user agent that answers them. */
  readonly phones: readonly { readonly number: E164; readonly address: string }[]
}

const NUMBER = /^\+[1-9]\d{1,14}$/
const SECRET = /^[A-Za-z0-9_.~-]+$/

/** Anything that goes into the config's string literals must not be able to end them. */
function checkLayout(layout: CarrierLayout): void {
  const numbers = [...layout.customers.flatMap((c) => c.numbers), ...layout.phones.map((p) => p.number)]
  const bad = numbers.find((n) => !NUMBER.test(n))
  if (bad !== undefined) throw new Error(`carrier config: ${bad} is not an E.164 number`)
  for (const c of layout.customers) {
    if (c.kind === 'register' && (!SECRET.test(c.user) || !SECRET.test(c.password))) {
      throw new Error(`carrier config: account ${c.user}: user and password must be letters, digits, _.~-`)
    }
  }
}

const anyOf = (variable: string, values: readonly string[]) => values.map((v) => `${variable} == "${v}"`).join(' || ')

export function carrierConfig(layout: CarrierLayout): string {
  checkLayout(layout)
  const realm = layout.realm
  const lines: string[] = []
  const inbound: string[] = []
  const outbound: string[] = []
  for (const c of layout.customers) {
    if (c.kind === 'register') {
      inbound.push(
        `\tif (${anyOf('$rU', c.numbers)}) {`,
        `\t\t# ${c.user}: down its registration, the number kept in the Request-URI (a DID as carriers send it).`,
        '\t\t$var(did) = $rU;',
        `\t\t$ru = "sip:${c.user}@${realm}";`,
        '\t\tif (!lookup("location")) {',
        '\t\t\tsl_send_reply("480", "Trunk Not Registered");',
        '\t\t\texit;',
        '\t\t}',
        '\t\t$rU = $var(did);',
        '\t\troute(RELAY);',
        '\t}',
      )
    } else {
      inbound.push(
        `\tif (${anyOf('$rU', c.numbers)}) {`,
        '\t\t# An IP-authenticated trunk: to its configured address.',
        `\t\t$du = "sip:${c.address};transport=tcp";`,
        '\t\troute(RELAY);',
        '\t}',
      )
      outbound.push(`\tif ($si == "${c.sourceIp}" && (${anyOf('$fU', c.numbers)})) $var(caller) = "ip";`)
    }
  }
  const accounts = layout.customers.filter((c): c is RegisteringCustomer => c.kind === 'register')
  const checkAccount = (header: 'www' | 'proxy') =>
    accounts.flatMap((a) => [
      `\tif ($au == "${a.user}" && pv_${header}_authenticate("${realm}", "${a.password}", "0")) $var(account) = "${a.user}";`,
    ])
  lines.push(
    '#!KAMAILIO',
    '# The demo carrier (ime demo --carrier), written by src/demo/carrier-config.ts: do not edit, it is made again.',
    'debug=1',
    'log_stderror=yes',
    'fork=yes',
    'children=2',
    'tcp_children=2',
    'auto_aliases=no',
    `listen=tcp:${layout.listen}`,
    `listen=udp:${layout.listen}`,
    'dns=no',
    'rev_dns=no',
    'use_dns_cache=no',
    `alias="${realm}"`,
    'server_header="Server: IME demo carrier (Kamailio)"',
    ...[
      'kex',
      'corex',
      'tm',
      'sl',
      'rr',
      'pv',
      'maxfwd',
      'textops',
      'siputils',
      'usrloc',
      'registrar',
      'auth',
      'nathelper',
    ].map((m) => `loadmodule "${m}.so"`),
    'modparam("usrloc", "db_mode", 0)',
    'modparam("registrar", "max_expires", 3600)',
    'modparam("nathelper|registrar", "received_avp", "$avp(RECEIVED)")',
    '',
    'request_route {',
    '\tif (!mf_process_maxfwd_header("10")) {',
    '\t\tsl_send_reply("483", "Too Many Hops");',
    '\t\texit;',
    '\t}',
    '\tif (has_totag()) {',
    '\t\tif (loose_route()) {',
    '\t\t\tt_relay();',
    '\t\t\texit;',
    '\t\t}',
    '\t\tif (is_method("ACK") && t_check_trans()) t_relay();',
    '\t\texit;',
    '\t}',
    '\tif (is_method("CANCEL")) {',
    '\t\tif (t_check_trans()) t_relay();',
    '\t\texit;',
    '\t}',
    '\tif (is_method("OPTIONS")) {',
    '\t\tsl_send_reply("200", "OK");',
    '\t\texit;',
    '\t}',
    '\t$var(account) = "";',
    '\tif (is_method("REGISTER")) {',
    ...checkAccount('www'),
    '\t\tif ($var(account) == "") {',
    `\t\t\twww_challenge("${realm}", "0");`,
    '\t\t\texit;',
    '\t\t}',
    '\t\tconsume_credentials();',
    '\t\tfix_nated_register();',
    '\t\tif (!save("location")) sl_reply_error();',
    '\t\texit;',
    '\t}',
    '\tif (!is_method("INVITE")) {',
    '\t\tsl_send_reply("405", "Method Not Allowed");',
    '\t\texit;',
    '\t}',
    '\trecord_route();',
    ...inbound,
    '\t# A call out: from an IP-authenticated trunk by its address and number, else an account answers a 407.',
    '\t$var(caller) = "";',
    ...outbound,
    '\tif ($var(caller) == "") {',
    ...checkAccount('proxy').map((l) => `\t${l}`),
    '\t\tif ($var(account) == "") {',
    `\t\t\tproxy_challenge("${realm}", "0");`,
    '\t\t\texit;',
    '\t\t}',
    '\t\tconsume_credentials();',
    '\t}',
    ...layout.phones.flatMap((p) => [
      `\tif ($rU == "${p.number}") {`,
      `\t\t$du = "sip:${p.address};transport=tcp";`,
      '\t\troute(RELAY);',
      '\t}',
    ]),
    '\tsl_send_reply("404", "Not In Service");',
    '}',
    '',
    'route[RELAY] {',
    '\tif (!t_relay()) sl_reply_error();',
    '\texit;',
    '}',
    '',
  )
  return lines.join('\n')
}
