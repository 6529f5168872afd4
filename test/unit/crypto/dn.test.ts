import { X509Certificate } from 'node:crypto';
import { canonicalDn, formatDn, parseDn, type Dn } from '../../../src/crypto/dn';
import { dnFromCertificate, dnFromX509Subject } from '../../../src/crypto/dn-x509';
import { CryptoErrorCode } from '../../../src/crypto/errors';
import { cryptoError } from '../../helpers/crypto-error';
import { NameCertFactory, Oid, StringTag, type NameSpec } from '../../helpers/x509-name-cert';

describe('parseDn', () => {
  const cases: [string, Dn][] = [
    ['CN=Alice,O=Example\\, Inc,C=GB', [[{ type: 'CN', value: 'Alice' }], [{ type: 'O', value: 'Example, Inc' }], [{ type: 'C', value: 'GB' }]]],
    ['cn=alice, o=Example', [[{ type: 'CN', value: 'alice' }], [{ type: 'O', value: 'Example' }]]],
    ['  CN = a b ,  O = x  ', [[{ type: 'CN', value: 'a b' }], [{ type: 'O', value: 'x' }]]],
    ['OU=Sales+CN=J. Smith,DC=example', [[{ type: 'OU', value: 'Sales' }, { type: 'CN', value: 'J. Smith' }], [{ type: 'DC', value: 'example' }]]],
    ['OU=a + CN=b', [[{ type: 'OU', value: 'a' }, { type: 'CN', value: 'b' }]]],
    ['CN=\\"q\\"\\+\\;\\<\\>\\=\\\\\\,', [[{ type: 'CN', value: '"q"+;<>=\\,' }]]],
    ['CN=\\#1', [[{ type: 'CN', value: '#1' }]]],
    ['CN=a#b', [[{ type: 'CN', value: 'a#b' }]]],
    ['CN=\\ a \\ ', [[{ type: 'CN', value: ' a  ' }]]],
    ['CN=a\\  + O=b', [[{ type: 'CN', value: 'a ' }, { type: 'O', value: 'b' }]]],
    ['CN=Lu\\C4\\8Di\\c4\\87', [[{ type: 'CN', value: 'Lučić' }]]],
    ['CN=\\F0\\9F\\98\\80 😀', [[{ type: 'CN', value: '😀 😀' }]]],
    ['CN=a\\2Cb\\2bc', [[{ type: 'CN', value: 'a,b+c' }]]],
    ['CN=a\\0Ab', [[{ type: 'CN', value: 'a\nb' }]]],
    ['CN=a=b', [[{ type: 'CN', value: 'a=b' }]]],
    ['CN=', [[{ type: 'CN', value: '' }]]],
    ['CN=*,O=Adm?n', [[{ type: 'CN', value: '*' }], [{ type: 'O', value: 'Adm?n' }]]],
    ['2.5.4.3=x,1.2.3.4=y', [[{ type: 'CN', value: 'x' }], [{ type: '1.2.3.4', value: 'y' }]]],
    ['emailAddress=a@b,E=c@d,email=e@f', [[{ type: 'EMAIL', value: 'a@b' }], [{ type: 'EMAIL', value: 'c@d' }], [{ type: 'EMAIL', value: 'e@f' }]]],
    ['commonName=x,street=y,S=z,userId=u,domainComponent=d', [[{ type: 'CN', value: 'x' }], [{ type: 'STREET', value: 'y' }], [{ type: 'ST', value: 'z' }], [{ type: 'UID', value: 'u' }], [{ type: 'DC', value: 'd' }]]],
    ['businessCategory=b,x-custom=c', [[{ type: 'BUSINESSCATEGORY', value: 'b' }], [{ type: 'X-CUSTOM', value: 'c' }]]],
    ['', []],
    ['   ', []],
  ];
  test.each(cases)('%j', (text, expected) => {
    expect(parseDn(text)).toEqual(expected);
  });

  const invalid: [string, string, number][] = [
    ['CN', "expected '=' after attribute type CN", 2],
    ['C N=x', "expected '=' after attribute type C", 2],
    ['=a', 'expected an attribute type', 0],
    ['CN=a,', 'expected an attribute type', 5],
    ['CN=a,,O=b', 'expected an attribute type', 5],
    ['CN=a+', 'expected an attribute type', 5],
    ['CN=a;O=b', "unescaped ';' in the value of CN (write it as '\\;')", 4],
    ['CN=a"b', `unescaped '"' in the value of CN`, 4],
    ['CN=<a>', "unescaped '<' in the value of CN", 3],
    ['CN=a\0b', "unescaped NUL in the value of CN (write it as '\\00')", 4],
    ['CN=#04024869', 'BER-encoded value (#hex) of CN is not supported', 3],
    ['CN=\\q', "invalid escape '\\q'", 3],
    ['CN=\\4g', "invalid escape '\\4'", 3],
    ['CN=a\\', 'the DN ends with a lone backslash', 4],
    ['CN=x\\C4', 'the value of CN is not valid UTF-8', 3],
    ['CN=\\FF', 'the value of CN is not valid UTF-8', 3],
    ['1.02.3=x', 'attribute type "1.02.3" is neither a keyword nor a dotted-decimal OID', 0],
    ['O=x,2.=y', 'attribute type "2." is neither a keyword nor a dotted-decimal OID', 4],
    ['CN=\uD800', 'unpaired UTF-16 surrogate in the value of CN', 3],
    ['CN*=x', "expected '=' after attribute type CN", 2],
  ];
  test.each(invalid)('rejects %j', (text, reason, offset) => {
    const error = cryptoError(() => parseDn(text));
    expect(error.code).toBe(CryptoErrorCode.DN_INVALID);
    expect(error.message).toContain(`invalid DN ${JSON.stringify(text)} at offset ${offset}: ${reason}`);
  });

  test('quotes at most 200 characters of a long input', () => {
    const error = cryptoError(() => parseDn(`CN=${'a'.repeat(300)};`));
    expect(error.message).toMatch(/^invalid DN "CN=a{197}"… at offset 303: unescaped ';'/);
  });
});

describe('formatDn and canonicalDn', () => {
  const cases: [string, string][] = [
    ['CN=Alice,O=Example\\, Inc,C=GB', 'CN=Alice,O=Example\\, Inc,C=GB'],
    ['cn=alice, o=Example', 'CN=alice,O=Example'],
    ['OU=Sales + CN=J. Smith, DC=example', 'CN=J. Smith+OU=Sales,DC=example'],
    ['CN=b+CN=a+C=x', 'C=x+CN=a+CN=b'],
    ['CN=\\"q\\"\\+\\;\\<\\>\\=\\\\', 'CN=\\"q\\"\\+\\;\\<\\>=\\\\'],
    ['CN=\\#1#', 'CN=\\#1#'],
    ['CN=\\ a \\ ', 'CN=\\ a \\ '],
    ['CN=\\ ', 'CN=\\ '],
    ['CN=Lu\\C4\\8Di\\C4\\87', 'CN=Lučić'],
    ['CN=a\\2cb', 'CN=a\\,b'],
    ['CN=a\\0Ab\\09c\\7F\\00', 'CN=a\\0Ab\\09c\\7F\\00'],
    ['CN=é\\C2\\A0x', 'CN=é\u00a0x'],
    ['2.5.4.3=x,0.9.2342.19200300.100.1.25=com', 'CN=x,DC=com'],
    ['e=a@b', 'EMAIL=a@b'],
    ['', ''],
  ];
  test.each(cases)('%j → %j', (text, canonical) => {
    expect(canonicalDn(text)).toBe(canonical);
    expect(canonicalDn(canonical)).toBe(canonical); // canonical form is a fixed point
  });

  test('canonicalises types of hand-built RDNs', () => {
    expect(formatDn([[{ type: 'cn', value: 'x' }], [{ type: '2.5.4.10', value: 'y' }]])).toBe('CN=x,O=y');
  });

  test('round-trips every ASCII character and some non-ASCII ones', () => {
    const ascii = Array.from({ length: 127 }, (_, i) => String.fromCharCode(i + 1)).join('');
    for (const value of [ascii, ` ${ascii} `, '#', ' ', '  ', 'ĉu 😀 \u2028', '\0']) {
      const dn: Dn = [[{ type: 'CN', value }, { type: 'O', value: `${value}+` }]];
      expect(parseDn(formatDn(dn))).toEqual(dn);
    }
  });

  test('rejects an empty RDN and an invalid type', () => {
    const empty = cryptoError(() => formatDn([[{ type: 'CN', value: 'x' }], []]));
    expect(empty.code).toBe(CryptoErrorCode.DN_INVALID);
    expect(empty.message).toBe('cannot format DN: RDN 1 has no attributes');
    const badType = cryptoError(() => formatDn([[{ type: 'C N', value: 'x' }]]));
    expect(badType.code).toBe(CryptoErrorCode.DN_INVALID);
    expect(badType.message).toBe('cannot format DN: attribute type "C N" in RDN 0 is neither a keyword nor an OID');
  });
});

describe('DNs of X.509 certificates', () => {
  let factory: NameCertFactory;
  beforeAll(() => {
    factory = new NameCertFactory();
  });

  // [what, certificate-order name, Node's subject text as observed, RFC 4514 canonical DN]
  const cases: [string, NameSpec, string, string][] = [
    [
      'comma inside a value',
      [[{ oid: Oid.C, value: 'GB', tag: StringTag.PRINTABLE }], [{ oid: Oid.O, value: 'Example, Inc' }], [{ oid: Oid.CN, value: 'evil, O=Admin' }]],
      'C=GB\nO=Example\\, Inc\nCN=evil\\, O=Admin',
      'CN=evil\\, O=Admin,O=Example\\, Inc,C=GB',
    ],
    ['comma without space', [[{ oid: Oid.CN, value: 'evil,O=Admin' }]], 'CN=evil\\,O=Admin', 'CN=evil\\,O=Admin'],
    ['newline', [[{ oid: Oid.CN, value: 'evil\nO=Admin' }]], 'CN=evil\\0AO=Admin', 'CN=evil\\0AO=Admin'],
    ['specials', [[{ oid: Oid.CN, value: 'a+b=c;d<e>f"g' }]], 'CN=a\\+b=c\\;d\\<e\\>f\\"g', 'CN=a\\+b=c\\;d\\<e\\>f\\"g'],
    ['leading and trailing space', [[{ oid: Oid.CN, value: ' lead trail ' }]], 'CN=\\ lead trail\\ ', 'CN=\\ lead trail\\ '],
    ['leading hash, backslash', [[{ oid: Oid.CN, value: '#hash\\back' }]], 'CN=\\#hash\\\\back', 'CN=\\#hash\\\\back'],
    ['control characters', [[{ oid: Oid.CN, value: 'tab\there\x01\x7f' }]], 'CN=tab\\09here\\01\\7F', 'CN=tab\\09here\\01\\7F'],
    ['UTF-8', [[{ oid: Oid.CN, value: 'héllo ✓ 日本 😀' }]], 'CN=héllo ✓ 日本 😀', 'CN=héllo ✓ 日本 😀'],
    [
      'multi-valued RDN',
      [[{ oid: Oid.O, value: 'Ex' }], [{ oid: Oid.OU, value: 'a' }, { oid: Oid.CN, value: 'b' }]],
      'O=Ex\nOU=a + CN=b',
      'CN=b+OU=a,O=Ex',
    ],
    [
      'multi-valued RDN with a trailing space and an escaped plus',
      [[{ oid: Oid.O, value: 'Ex' }], [{ oid: Oid.OU, value: 'a ' }, { oid: Oid.CN, value: 'x + CN=y' }]],
      'O=Ex\nOU=a\\  + CN=x \\+ CN=y',
      'CN=x \\+ CN=y+OU=a\\ ,O=Ex',
    ],
    [
      'OpenSSL short names',
      [
        [{ oid: Oid.DC, value: 'com', tag: StringTag.IA5 }],
        [{ oid: Oid.UID, value: 'u1' }],
        [{ oid: Oid.EMAIL, value: 'a@b', tag: StringTag.IA5 }],
        [{ oid: Oid.SERIALNUMBER, value: '42', tag: StringTag.PRINTABLE }],
        [{ oid: Oid.SN, value: 'sn' }, { oid: Oid.GN, value: 'gn' }, { oid: Oid.TITLE, value: 't' }],
        [{ oid: Oid.ST, value: 's' }, { oid: Oid.L, value: 'l' }, { oid: Oid.STREET, value: 'st' }],
      ],
      'DC=com\nUID=u1\nemailAddress=a@b\nserialNumber=42\nSN=sn + GN=gn + title=t\nST=s + L=l + street=st',
      'L=l+ST=s+STREET=st,GN=gn+SN=sn+TITLE=t,SERIALNUMBER=42,EMAIL=a@b,UID=u1,DC=com',
    ],
    [
      'BMPString, UniversalString, TeletexString',
      [[{ oid: Oid.CN, value: 'é€', tag: StringTag.BMP }], [{ oid: Oid.CN, value: '😀', tag: StringTag.UNIVERSAL }], [{ oid: Oid.CN, value: 'café', tag: StringTag.TELETEX }]],
      'CN=é€\nCN=😀\nCN=café',
      'CN=café,CN=😀,CN=é€',
    ],
    ['empty value', [[{ oid: Oid.CN, value: '' }]], 'CN=', 'CN='],
  ];

  test.each(cases)('%s', (_what, name, subject, canonical) => {
    const cert = factory.make(name);
    expect(cert.subject).toBe(subject);
    const fromText = dnFromX509Subject(cert.subject);
    const fromDer = dnFromCertificate(cert);
    expect(formatDn(fromText)).toBe(canonical);
    expect(fromDer).toEqual(fromText);
    // RFC 4514 order is the reverse of certificate order.
    expect(fromDer.length).toBe(name.length);
    expect(fromDer[0]?.map((a) => a.value)).toEqual(name[name.length - 1]?.map((a) => a.value));
  });

  test('an unknown attribute type: text gives OpenSSL names, DER gives the OID', () => {
    const cert = factory.make([[{ oid: '2.5.4.13', value: 'desc' }], [{ oid: '1.2.3.4', value: 'x' }]]);
    expect(cert.subject).toBe('description=desc\n1.2.3.4=x');
    expect(formatDn(dnFromX509Subject(cert.subject))).toBe('1.2.3.4=x,DESCRIPTION=desc');
    expect(formatDn(dnFromCertificate(cert))).toBe('1.2.3.4=x,2.5.4.13=desc');
  });

  test('an empty subject: Node gives undefined, both readers give the empty DN', () => {
    const cert = factory.make([]);
    expect(cert.subject).toBeUndefined();
    expect(dnFromX509Subject(cert.subject)).toEqual([]);
    expect(dnFromCertificate(cert)).toEqual([]);
  });

  test('issuer, a v1 certificate (no version field), and raw DER input', () => {
    const cert = factory.make([[{ oid: Oid.CN, value: 'leaf' }]], {
      v1: true,
      issuer: [[{ oid: Oid.O, value: 'CA Org' }], [{ oid: Oid.CN, value: 'The CA' }]],
    });
    expect(formatDn(dnFromCertificate(cert))).toBe('CN=leaf');
    expect(formatDn(dnFromCertificate(cert.raw, 'issuer'))).toBe('CN=The CA,O=CA Org');
    expect(formatDn(dnFromX509Subject(cert.issuer))).toBe('CN=The CA,O=CA Org');
  });

  test('errors', () => {
    const garbage = cryptoError(() => dnFromCertificate(Buffer.from([0x30, 0x03, 0x02])));
    expect(garbage.code).toBe(CryptoErrorCode.DN_INVALID);
    expect(garbage.message).toMatch(/^cannot read the DN from the certificate: certificate is not valid DER: /);
    const notCert = cryptoError(() => dnFromCertificate(Buffer.from([0x04, 0x01, 0x00])));
    expect(notCert.message).toBe('cannot read the DN from the certificate: certificate is missing or not a constructed value');
    const twoRdns = cryptoError(() => dnFromX509Subject('C=GB\nCN=a,O=b'));
    expect(twoRdns.code).toBe(CryptoErrorCode.DN_INVALID);
    expect(twoRdns.message).toBe('X.509 subject line 2 "CN=a,O=b" should hold exactly one RDN, found 2');
    expect(() => dnFromX509Subject('C=GB\n')).toThrow(/subject line 2 "" should hold exactly one RDN, found 0/);
  });

  test('X509Certificate instances and their DER give the same DN', () => {
    const cert = factory.make([[{ oid: Oid.CN, value: 'same' }]]);
    expect(dnFromCertificate(new X509Certificate(cert.raw))).toEqual(dnFromCertificate(cert.raw));
  });
});
