/**
 * A hostile-SIP corpus in the spirit of RFC 4475 (SIP torture tests): valid but tortuous messages that must be
 * accepted, and invalid ones that must be refused with the right status and reason, answered when they can be,
 * and the connection closed when the stream cannot be trusted. Our own messages, written for this project;
 * the RFC 4475 test a case follows is named where there is one. Interop tests (Kamailio, SIPp) can reuse it.
 */

export interface CorpusCase {
  readonly name: string
  /** RFC 4475 section 3 categories: parser torture, invalid messages, transport, application semantics. */
  readonly category: 'valid' | 'invalid' | 'transport' | 'semantics'
  readonly bytes: Uint8Array
  /** Transports the case applies to: 'frame' (WebSocket frame / datagram) and 'stream' (TCP). */
  readonly framings: readonly ('frame' | 'stream')[]
  readonly expect:
    | { readonly accept: true }
    | {
        readonly accept: false
        readonly status: number
        /** Text the reason phrase must contain. */
        readonly reason: string
        /** Whether a response can be sent (the parse error carries the request). */
        readonly answer: boolean
        /** Whether the connection must be closed (per framing when they differ). */
        readonly close: boolean | { readonly frame: boolean; readonly stream: boolean }
      }
}

const enc = new TextEncoder()

/** Lines joined by CRLF, the empty line, then the body. */
export function sip(lines: readonly string[], body: string | Uint8Array = ''): Uint8Array {
  const head = enc.encode(lines.join('\r\n') + '\r\n\r\n')
  const b = typeof body === 'string' ? enc.encode(body) : body
  const out = new Uint8Array(head.length + b.length)
  out.set(head)
  out.set(b, head.length)
  return out
}

const VIA = 'Via: SIP/2.0/TCP pc33.atlanta.example.com;branch=z9hG4bK776asdhds'
const FROM = 'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774'
const TO = 'To: Bob <sip:bob@biloxi.example.com>'
const CALLID = 'Call-ID: a84b4c76e66710@pc33.atlanta.example.com'

/** A plain OPTIONS with `extra` lines before Content-Length. */
function options(extra: readonly string[] = [], cl = 'Content-Length: 0'): string[] {
  return [
    'OPTIONS sip:bob@biloxi.example.com SIP/2.0',
    VIA,
    'Max-Forwards: 70',
    FROM,
    TO,
    CALLID,
    'CSeq: 63104 OPTIONS',
    ...extra,
    cl,
  ]
}

const BOTH = ['frame', 'stream'] as const
const accept = { accept: true } as const
function refuse(
  status: number,
  reason: string,
  answer: boolean,
  close: boolean | { frame: boolean; stream: boolean } = false,
) {
  return { accept: false as const, status, reason, answer, close }
}

const SDP =
  'v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n'

export const SIP_CORPUS: readonly CorpusCase[] = [
  // ---- valid, tortuous (RFC 4475 section 3.1.1) ---------------------------------------------------------------
  {
    name: 'short but complete request',
    category: 'valid',
    bytes: sip(options()),
    framings: BOTH,
    expect: accept,
  },
  {
    name: 'wsinv: whitespace, folding and compact forms everywhere',
    category: 'valid',
    bytes: sip(
      [
        'INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0',
        'TO :',
        ' sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n',
        'from   : "J Rosenberg \\\\\\""       <sip:jdrosen@example.com>',
        '  ;',
        '  tag = 98asjd8',
        'MaX-fOrWaRdS: 0068',
        'Call-ID: wsinv.ndaksdj@192.0.2.1',
        'Content-Length   : 150',
        'cseq: 0009',
        '  INVITE',
        'Via  : SIP  /   2.0',
        ' /UDP',
        '    192.0.2.2;rport;branch=390skdjuw',
        's :',
        'NewFangledHeader:   newfangled value',
        ' continued newfangled value',
        'UnknownHeaderWithUnusualValue: ;;,,;;,;',
        'Content-Type: application/sdp',
        'Route:',
        ' <sip:services.example.com;lr;unknownwith=value;unknown-no-value>',
        'v:  SIP  / 2.0  / TCP     spindle.example.com   ;',
        '  branch  =   z9hG4bK9ikj8  ,',
        ' SIP  /    2.0   / UDP  192.168.255.111   ; branch=',
        ' z9hG4bK30239',
        'm:"Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam =',
        '      newvalue ;',
        '  secondparam ; q = 0.33',
      ],
      'v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.3\r\ns=-\r\nc=IN IP4 192.0.2.4\r\nt=0 0\r\nm=audio 49217 RTP/AVP 0 12\r\nm=video 3227 RTP/AVP 31\r\na=rtpmap:31 LPC\r\n',
    ),
    framings: BOTH,
    expect: accept,
  },
  {
    name: 'intmeth: an extension method of every token character; escaped control characters in a quoted string',
    category: 'valid',
    bytes: sip([
      "!interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0",
      "Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~",
      'To: "BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f" <sip:1_unusual.URI~(to-be!sure)&isn\'t+it$/crazy?,/;;*@example.com>',
      "From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%=\"работающий\";tag=_token~1'+`*%!-.",
      'Call-ID: intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{',
      "CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~",
      'Max-Forwards: 255',
      "extensionHeader-!.%*+_`'~:\uFEFF大停電",
      'Content-Length: 0',
    ]),
    framings: BOTH,
    expect: accept,
  },
  {
    name: 'esc01: escaped characters in the Request-URI user part',
    category: 'valid',
    bytes: sip(
      [
        'INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0',
        'To: sip:%75se%72@example.com',
        'From: <sip:I%20have%20spaces@example.net>;tag=938',
        'Max-Forwards: 87',
        'i: esc01.239409asdfakjkn23onasd0-3234',
        'CSeq: 234234 INVITE',
        'Via: SIP/2.0/TCP host5.example.net;branch=z9hG4bKkdjuw',
        'C: application/sdp',
        'Contact: <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>',
        'Content-Length: ' + SDP.length,
      ],
      SDP,
    ),
    framings: BOTH,
    expect: accept,
  },
  {
    name: 'escnull: an escaped NUL in a URI user part is legal',
    category: 'valid',
    bytes: sip([
      'REGISTER sip:example.com SIP/2.0',
      'To: sip:null-%00-null@example.com',
      'From: sip:null-%00-null@example.com;tag=839923423',
      'Max-Forwards: 70',
      'Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd',
      'CSeq: 14398234 REGISTER',
      'Via: SIP/2.0/TCP host5.example.com;branch=z9hG4bKkdjuw',
      'Contact: <sip:%00@host5.example.com>',
      'Contact: <sip:%00%00@host5.example.com>',
      'L:0',
    ]),
    framings: BOTH,
    expect: accept,
  },
  {
    name: 'lwsdisp: no whitespace between a quoted display name and <',
    category: 'valid',
    bytes: sip(options(['Contact: "caller"<sip:caller@example.com>;expires=60'])),
    framings: BOTH,
    expect: accept,
  },
  {
    name: 'longreq: long header values, many Vias and a long tag',
    category: 'valid',
    bytes: sip(
      [
        'INVITE sip:user@example.com SIP/2.0',
        'To: "I have a user name of ' +
          'extreme '.repeat(40) +
          'proportion" <sip:user@example.com:6000;unknownparam1=verylonguserparam' +
          'x'.repeat(300) +
          '>',
        'From: sip:' + 'a'.repeat(200) + '@example.com;tag=' + '1'.repeat(500),
        'Call-ID: longreq.one' + 'really'.repeat(100) + 'longcallid',
        'CSeq: 3882340 INVITE',
        ...Array.from(
          { length: 60 },
          (_, i) => `Via: SIP/2.0/TCP sip${i}.example.com:5060;branch=z9hG4bK${i}${'d'.repeat(40)}`,
        ),
        'Max-Forwards: 69',
        'Contact: <sip:amazinglylongcallername' + 'z'.repeat(300) + '@host5.example.net>',
        'Content-Length: ' + SDP.length,
      ],
      SDP,
    ),
    framings: BOTH,
    expect: accept,
  },
  {
    name: 'semiuri: a semicolon inside the user part',
    category: 'valid',
    bytes: sip([
      'OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0',
      'To: sip:j_user@example.com',
      'From: sip:caller@example.org;tag=33242',
      'Max-Forwards: 3',
      'Call-ID: semiuri.0ha0isndaksdj',
      'CSeq: 8 OPTIONS',
      'Accept: application/sdp, application/pkcs7-mime,',
      '        multipart/mixed, multipart/signed,',
      '        message/sip, message/sipfrag',
      'Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bKkdjuw',
      'l: 0',
    ]),
    framings: BOTH,
    expect: accept,
  },
  {
    name: 'transports: Vias over UDP, SCTP, TLS, WS, WSS and an unknown transport',
    category: 'valid',
    bytes: sip([
      'OPTIONS sip:user@example.com SIP/2.0',
      'To: sip:user@example.com',
      'From: <sip:caller@example.com>;tag=323',
      'Max-Forwards: 70',
      'Call-ID: transports.kijh4akdnaqjkwendsasfdj',
      'Accept: application/sdp',
      'CSeq: 60 OPTIONS',
      'Via: SIP/2.0/UDP t1.example.com;branch=z9hG4bKkdjuw',
      'Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf',
      'Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj',
      'Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bK56sdasks',
      'Via: SIP/2.0/WSS t4.example.com;branch=z9hG4bK56sdasks;received=192.0.2.9;rport=5062',
      'Via: SIP/2.0/UNKNOWN t5.example.com;branch=z9hG4bKasd0f3en',
      'Content-Length: 0',
    ]),
    framings: BOTH,
    expect: accept,
  },
  {
    name: 'mpart01: a multipart body, CRLFs inside it, exact length',
    category: 'valid',
    bytes: (() => {
      const body =
        '--boundary42\r\nContent-Type: application/sdp\r\n\r\n' +
        SDP +
        '\r\n--boundary42\r\nContent-Type: text/plain\r\n\r\nhello\r\n\r\n\r\n--boundary42--\r\n'
      return sip(
        options(
          ['Content-Type: multipart/mixed;boundary=boundary42', 'MIME-Version: 1.0'],
          'Content-Length: ' + enc.encode(body).length,
        ),
        body,
      )
    })(),
    framings: BOTH,
    expect: accept,
  },
  {
    name: 'unreason: a UTF-8 reason phrase with odd characters',
    category: 'valid',
    bytes: sip(
      [
        'SIP/2.0 200 = 2**3 * 5**2 но сто девяносто девять - простое',
        'Via: SIP/2.0/TCP 192.0.2.198;branch=z9hG4bK1324923',
        'Call-ID: unreason.1234ksdfak3j2erwedfsASdf',
        'CSeq: 35 INVITE',
        'From: sip:user@example.com;tag=11141343',
        'To: sip:user@example.edu;tag=2229',
        'Content-Length: ' + SDP.length,
        'Content-Type: application/sdp',
        'Contact: <sip:user@host198.example.com>',
      ],
      SDP,
    ),
    framings: BOTH,
    expect: accept,
  },
  {
    name: 'noreason: an empty reason phrase',
    category: 'valid',
    bytes: sip([
      'SIP/2.0 100 ',
      'Via: SIP/2.0/TCP 192.0.2.105;branch=z9hG4bK2398ndaoe',
      'Call-ID: noreason.asndj203insdf99223ndf',
      'CSeq: 35 INVITE',
      'From: <sip:user@example.com>;tag=39ansfi3',
      'To: <sip:user@example.edu>;tag=902jndnke3',
      'Content-Length: 0',
    ]),
    framings: BOTH,
    expect: accept,
  },
  {
    name: 'a status line without the space before an empty reason',
    category: 'valid',
    bytes: sip(['SIP/2.0 180', VIA, FROM, TO + ';tag=x9', CALLID, 'CSeq: 1 INVITE', 'Content-Length: 0']),
    framings: BOTH,
    expect: accept,
  },
  {
    name: 'IPv6 references in the Request-URI, Via and received; rport with and without a value',
    category: 'valid',
    bytes: sip([
      'INVITE sip:[2001:db8::10]:5070;transport=tcp SIP/2.0',
      'Via: SIP/2.0/TCP [2001:db8::9:1]:5060;branch=z9hG4bKas3-111;received=2001:db8::9:255;rport=5061',
      'Via: SIP/2.0/TCP [2001:db8::9:2];branch=z9hG4bKas3-112;rport',
      'Max-Forwards: 70',
      'From: "Caller" <sip:caller@[2001:db8::9:1]>;tag=1',
      'To: <sip:[2001:db8::10]:5070>',
      'Call-ID: ipv6.SSG9559905523997077@hlau_4100',
      'CSeq: 1 INVITE',
      'Content-Length: 0',
    ]),
    framings: BOTH,
    expect: accept,
  },
  {
    name: 'CRLFs before the start line are ignored',
    category: 'valid',
    bytes: (() => {
      const m = sip(options())
      const out = new Uint8Array(m.length + 2)
      out.set([13, 10])
      out.set(m, 2)
      return out
    })(),
    framings: ['frame'],
    expect: accept,
  },
  {
    name: 'the same Content-Length twice is not a conflict',
    category: 'valid',
    bytes: sip(options(['Content-Length: 4', 'Content-Type: text/plain'], 'l: 0004'), 'abcd'),
    framings: BOTH,
    expect: accept,
  },
  {
    name: 'REGISTER with Contact: * and Expires: 0; digest credentials with commas in quoted values',
    category: 'valid',
    bytes: sip([
      'REGISTER sip:example.com SIP/2.0',
      'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK56sdasks',
      'Max-Forwards: 70',
      'To: <sip:alice@example.com>',
      'From: <sip:alice@example.com>;tag=ab12',
      'Call-ID: reg.1',
      'CSeq: 2 REGISTER',
      'Contact: *',
      'Expires: 0',
      'Authorization: Digest username="alice", realm="example.com, the realm", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",',
      '  uri="sip:example.com", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1",',
      '  algorithm=SHA-256',
      'Content-Length: 0',
    ]),
    framings: BOTH,
    expect: accept,
  },
  {
    name: 'tel: Request-URI, no Max-Forwards, an extension header kept',
    category: 'valid',
    bytes: sip([
      'INVITE tel:+15551234567;phone-context=+1 SIP/2.0',
      VIA,
      FROM,
      'To: <tel:+15551234567>',
      CALLID,
      'CSeq: 1 INVITE',
      'X-IME-Ticket: AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA',
      'Content-Length: 0',
    ]),
    framings: BOTH,
    expect: accept,
  },
  {
    name: 'a WebSocket frame may carry a body without Content-Length',
    category: 'transport',
    bytes: sip(options(['Content-Type: text/plain'], 'Subject: no length'), 'hello'),
    framings: ['frame'],
    expect: accept,
  },

  // ---- invalid (RFC 4475 section 3.1.2) and transport (3.2) -----------------------------------------------------
  {
    name: 'clerr: a negative Content-Length',
    category: 'invalid',
    bytes: sip(options([], 'Content-Length: -999')),
    framings: BOTH,
    expect: refuse(400, 'Content-Length "-999" is not a non-negative integer', true, { frame: false, stream: true }),
  },
  {
    name: 'a non-numeric Content-Length',
    category: 'invalid',
    bytes: sip(options([], 'Content-Length: 12abc')),
    framings: BOTH,
    expect: refuse(400, 'Content-Length "12abc" is not a non-negative integer', true, { frame: false, stream: true }),
  },
  {
    name: 'two different Content-Length values (request smuggling)',
    category: 'invalid',
    bytes: sip(options(['l: 0'], 'Content-Length: 4'), 'abcd'),
    framings: BOTH,
    expect: refuse(400, 'Conflicting Content-Length values 0 and 4', true, { frame: false, stream: true }),
  },
  {
    name: 'insuf: Content-Length larger than the body',
    category: 'transport',
    bytes: sip(options([], 'Content-Length: 12'), 'abcdefgh'),
    framings: ['frame'],
    expect: refuse(400, 'Content-Length 12 does not match body of 8 bytes', true),
  },
  {
    name: 'Content-Length smaller than the body',
    category: 'transport',
    bytes: sip(options([], 'Content-Length: 2'), 'abcdefgh'),
    framings: ['frame'],
    expect: refuse(400, 'Content-Length 2 does not match body of 8 bytes', true),
  },
  {
    name: 'a Content-Length over the body limit',
    category: 'transport',
    bytes: sip(options([], 'Content-Length: 9999999')),
    framings: BOTH,
    expect: refuse(413, 'exceeds the 65536-byte limit', true, { frame: false, stream: true }),
  },
  {
    name: 'badvers: SIP/7.0 in a request is answered 505',
    category: 'invalid',
    bytes: sip([
      'OPTIONS sip:t.watson@example.org SIP/7.0',
      VIA,
      'Max-Forwards: 70',
      FROM,
      TO,
      CALLID,
      'CSeq: 1 OPTIONS',
      'l: 0',
    ]),
    framings: BOTH,
    expect: refuse(505, 'SIP/7.0 is not supported', true),
  },
  {
    name: 'SIP/3.0 in a response is dropped',
    category: 'invalid',
    bytes: sip(['SIP/3.0 200 OK', VIA, FROM, TO, CALLID, 'CSeq: 1 OPTIONS', 'l: 0']),
    framings: BOTH,
    expect: refuse(505, 'SIP/3.0 is not supported', false),
  },
  {
    name: 'insuf: missing Call-ID, From and To is still answered',
    category: 'semantics',
    bytes: sip([
      'INVITE sip:user@example.com SIP/2.0',
      'CSeq: 193942 INVITE',
      'Via: SIP/2.0/TCP 192.0.2.95;branch=z9hG4bKkdj.insuf',
      'Content-Length: 0',
    ]),
    framings: BOTH,
    expect: refuse(400, 'Missing Call-ID', true),
  },
  {
    // Nowhere to answer: its connection is closed rather than left waiting on silence (datagrams are dropped).
    name: 'missing Via cannot be answered: the connection is closed',
    category: 'semantics',
    bytes: sip(['OPTIONS sip:bob@biloxi.example.com SIP/2.0', FROM, TO, CALLID, 'CSeq: 1 OPTIONS', 'l: 0']),
    framings: BOTH,
    expect: refuse(400, 'Missing Via', false, true),
  },
  {
    name: 'missing CSeq',
    category: 'semantics',
    bytes: sip(['OPTIONS sip:bob@biloxi.example.com SIP/2.0', VIA, FROM, TO, CALLID, 'l: 0']),
    framings: BOTH,
    expect: refuse(400, 'Missing CSeq', true),
  },
  {
    name: 'mismatch01: CSeq method differs from the request method',
    category: 'semantics',
    bytes: sip([
      'OPTIONS sip:user@example.com SIP/2.0',
      VIA,
      'Max-Forwards: 70',
      FROM,
      TO,
      CALLID,
      'CSeq: 1 INVITE',
      'l: 0',
    ]),
    framings: BOTH,
    expect: refuse(400, 'CSeq method INVITE does not match request method OPTIONS', true),
  },
  {
    name: 'scalar02: an overlarge CSeq number',
    category: 'invalid',
    bytes: sip([
      'OPTIONS sip:user@example.com SIP/2.0',
      VIA,
      FROM,
      TO,
      CALLID,
      'CSeq: 36893488147419103232 OPTIONS',
      'l: 0',
    ]),
    framings: BOTH,
    expect: refuse(400, 'is larger than 4294967295', true),
  },
  {
    name: 'two Max-Forwards headers',
    category: 'invalid',
    bytes: sip(options(['Max-Forwards: 300'])),
    framings: BOTH,
    expect: refuse(400, 'Max-Forwards appears 2 times', true),
  },
  {
    name: 'a Max-Forwards out of range',
    category: 'invalid',
    bytes: sip([
      'OPTIONS sip:user@example.com SIP/2.0',
      VIA,
      'Max-Forwards: 300',
      FROM,
      TO,
      CALLID,
      'CSeq: 1 OPTIONS',
      'l: 0',
    ]),
    framings: BOTH,
    expect: refuse(400, 'Max-Forwards "300" is not a number from 0 to 255', true),
  },
  {
    name: 'a bare LF injected into a header value',
    category: 'invalid',
    bytes: sip(options(['Subject: hello\nX-Injected: yes'])),
    framings: BOTH,
    expect: refuse(400, 'A bare LF in the Subject header', true),
  },
  {
    name: 'a bare CR injected into a header value',
    category: 'invalid',
    bytes: sip(options(['Subject: hello\rX-Injected: yes'])),
    framings: BOTH,
    expect: refuse(400, 'A bare CR in the Subject header', true),
  },
  {
    name: 'a NUL byte in a header value',
    category: 'invalid',
    bytes: sip(options(['X-IME-Ticket: abc\u0000def'])),
    framings: BOTH,
    expect: refuse(400, 'Control character 0x00 in the X-IME-Ticket header', true),
  },
  {
    name: 'lwsstart: two spaces between request-line elements',
    category: 'invalid',
    bytes: sip(['OPTIONS  sip:user@example.com SIP/2.0', ...options().slice(1)]),
    framings: BOTH,
    expect: refuse(400, 'must have exactly three parts', true),
  },
  {
    name: 'trws: trailing whitespace after the SIP version',
    category: 'invalid',
    bytes: sip(['OPTIONS sip:user@example.com SIP/2.0 ', ...options().slice(1)]),
    framings: BOTH,
    expect: refuse(400, 'ends with whitespace', true),
  },
  {
    name: 'lwsruri: whitespace inside the Request-URI',
    category: 'invalid',
    bytes: sip(['OPTIONS sip:user@example.com;lr ;foo=bar SIP/2.0', ...options().slice(1)]),
    framings: BOTH,
    expect: refuse(400, 'must have exactly three parts', true),
  },
  {
    name: 'ltgtruri: a Request-URI in angle brackets',
    category: 'invalid',
    bytes: sip(['INVITE <sip:user@example.com> SIP/2.0', ...options().slice(1)]),
    framings: BOTH,
    expect: refuse(400, 'Bad Request-URI', true),
  },
  {
    name: 'escruri: a bad escape in the Request-URI',
    category: 'invalid',
    bytes: sip(['OPTIONS sip:us%G1er@example.com SIP/2.0', ...options().slice(1)]),
    framings: BOTH,
    expect: refuse(400, 'has a "%" not followed by two hex digits', true),
  },
  {
    name: 'a Request-URI with an impossible IPv4 address',
    category: 'invalid',
    bytes: sip(['OPTIONS sip:user@192.0.2.300 SIP/2.0', ...options().slice(1)]),
    framings: BOTH,
    expect: refuse(400, 'is not a valid IPv4 address', true),
  },
  {
    name: 'a Request-URI with port 65536',
    category: 'invalid',
    bytes: sip(['OPTIONS sip:user@example.com:65536 SIP/2.0', ...options().slice(1)]),
    framings: BOTH,
    expect: refuse(400, 'expected 0-65535', true),
  },
  {
    name: 'quotbal: an unterminated quoted display name',
    category: 'invalid',
    bytes: sip([
      'OPTIONS sip:user@example.com SIP/2.0',
      VIA,
      'From: "Bell <sip:bell@example.com>;tag=1',
      TO,
      CALLID,
      'CSeq: 1 OPTIONS',
      'l: 0',
    ]),
    framings: BOTH,
    expect: refuse(400, 'unterminated quoted string', true),
  },
  {
    name: 'baddn: an unquoted display name with a comma',
    category: 'invalid',
    bytes: sip([
      'OPTIONS sip:user@example.com SIP/2.0',
      VIA,
      FROM,
      'To: Bell, Alexander <sip:a.g.bell@example.com>',
      CALLID,
      'CSeq: 1 OPTIONS',
      'l: 0',
    ]),
    framings: BOTH,
    expect: refuse(400, 'must be quoted', true),
  },
  {
    name: 'two From headers',
    category: 'semantics',
    bytes: sip(options(['From: <sip:mallory@example.com>;tag=2'])),
    framings: BOTH,
    expect: refuse(400, 'From appears 2 times', true),
  },
  {
    name: 'two different Call-IDs',
    category: 'semantics',
    bytes: sip(options(['i: other-call'])),
    framings: BOTH,
    expect: refuse(400, 'Call-ID appears more than once', true),
  },
  {
    name: 'a Via with protocol version 3.0',
    category: 'invalid',
    bytes: sip([
      'OPTIONS sip:user@example.com SIP/2.0',
      'Via: SIP/3.0/TCP h.example.com;branch=z9hG4bK1',
      FROM,
      TO,
      CALLID,
      'CSeq: 1 OPTIONS',
      'l: 0',
    ]),
    framings: BOTH,
    expect: refuse(400, 'expected 2.0', true),
  },
  {
    name: 'a Via received= that is not an IP address',
    category: 'invalid',
    bytes: sip([
      'OPTIONS sip:user@example.com SIP/2.0',
      'Via: SIP/2.0/TCP h.example.com;branch=z9hG4bK1;received=evil.example.com',
      FROM,
      TO,
      CALLID,
      'CSeq: 1 OPTIONS',
      'l: 0',
    ]),
    framings: BOTH,
    expect: refuse(400, 'expected an IP address', true),
  },
  {
    name: 'a continuation line before the first header',
    category: 'invalid',
    bytes: sip(['OPTIONS sip:user@example.com SIP/2.0', ' folded-nothing', ...options().slice(1)]),
    framings: BOTH,
    expect: refuse(400, 'Folded continuation line before the first header', true),
  },
  {
    name: 'a header line without a colon',
    category: 'invalid',
    bytes: sip(options(['This is not a header'])),
    framings: BOTH,
    expect: refuse(400, 'Malformed header line "This is not a header"', true),
  },
  {
    name: 'a header name with a space inside',
    category: 'invalid',
    bytes: sip(options(['Max Forwards: 70'])),
    framings: BOTH,
    expect: refuse(400, 'Malformed header line', true),
  },
  {
    name: 'bigcode: a status code of ten digits',
    category: 'invalid',
    bytes: sip(['SIP/2.0 4294967301 better not break the receiver', VIA, FROM, TO, CALLID, 'CSeq: 1 OPTIONS', 'l: 0']),
    framings: BOTH,
    expect: refuse(400, 'malformed status code', false),
  },
  {
    name: 'a status code under 100',
    category: 'invalid',
    bytes: sip(['SIP/2.0 099 Too Small', VIA, FROM, TO, CALLID, 'CSeq: 1 OPTIONS', 'l: 0']),
    framings: BOTH,
    expect: refuse(400, 'no status code from 100 to 699', false),
  },
  {
    name: 'HTTP on a SIP port',
    category: 'invalid',
    bytes: sip(['GET / HTTP/1.1', 'Host: example.com']),
    framings: BOTH,
    expect: refuse(400, 'Not a SIP request or status line', false, true),
  },
  {
    name: 'a header line over the line-length limit',
    category: 'invalid',
    bytes: sip(options(['Subject: ' + 'x'.repeat(9000)])),
    framings: BOTH,
    expect: refuse(400, 'Header line exceeds the 8192-byte limit', true),
  },
  {
    name: 'a Request-URI over the line-length limit',
    category: 'invalid',
    bytes: sip(['OPTIONS sip:' + 'u'.repeat(9000) + '@example.com SIP/2.0', ...options().slice(1)]),
    framings: BOTH,
    expect: refuse(414, 'Start line exceeds the 8192-byte limit', false, true),
  },
  {
    name: 'more header fields than the limit',
    category: 'invalid',
    bytes: sip(options(Array.from({ length: 300 }, (_, i) => `X-H${i}: ${i}`))),
    framings: BOTH,
    expect: refuse(400, 'More than 256 header fields', true, true),
  },
  {
    name: 'invalid UTF-8 in the head',
    category: 'invalid',
    bytes: (() => {
      const m = sip(options(['Subject: ABCD']))
      const at = new TextDecoder().decode(m).indexOf('ABCD')
      m[at] = 0xc3
      m[at + 1] = 0x28
      return m
    })(),
    framings: BOTH,
    expect: refuse(400, 'Message head is not valid UTF-8', true),
  },
  {
    name: 'a head without its empty line',
    category: 'transport',
    bytes: new TextEncoder().encode(options().join('\r\n') + '\r\n'),
    framings: ['frame'],
    expect: refuse(400, 'Message head does not end with an empty line', true),
  },
]
