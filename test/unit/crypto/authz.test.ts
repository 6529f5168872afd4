import { AuthzList, AuthzSimple, globMatch, type AuthzIdentity, type AuthzListOptions } from '../../../src/crypto/authz';
import { formatDn } from '../../../src/crypto/dn';
import { dnFromCertificate, dnFromX509Subject } from '../../../src/crypto/dn-x509';
import { CryptoErrorCode } from '../../../src/crypto/errors';
import { cryptoError } from '../../helpers/crypto-error';
import { NameCertFactory, Oid } from '../../helpers/x509-name-cert';

const user = (name: string): AuthzIdentity => ({ kind: 'username', name });
const dn = (text: string): AuthzIdentity => ({ kind: 'x509-dname', dn: text });

describe('globMatch (QEMU simple patterns)', () => {
  const cases: [string, string, boolean][] = [
    ['*', '', true],
    ['*', 'anything', true],
    ['**', 'x', true],
    ['', '', true],
    ['', 'a', false],
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['a*c', 'abc', true],
    ['a*c', 'ac', true],
    ['a*c', 'ab', false],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['?', '😀', true],
    ['??', '😀', false],
    ['a*b*c', 'aXbYbZc', true],
    ['a*b*c', 'aXbYbZ', false],
    ['*.example.com', 'vnc.example.com', true],
    ['*.example.com', 'example.com', false],
    ['[a]', 'a', false],
    ['[a]', '[a]', true],
    ['\\*', '\\anything', true],
    ['A*', 'abc', false],
  ];
  test.each(cases)('%j ~ %j → %s', (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
  });
});

describe('AuthzSimple', () => {
  test('one username', () => {
    const authz = new AuthzSimple({ identity: 'alice' });
    expect(authz.identity).toBe('alice');
    expect(authz.isAllowed(user('alice'))).toBe(true);
    expect(authz.isAllowed(user('Alice'))).toBe(false);
    expect(authz.isAllowed(user('alice '))).toBe(false);
    expect(authz.isAllowed(dn('CN=alice'))).toBe(false);
  });

  test('one DN, compared structurally', () => {
    const authz = new AuthzSimple({ identity: 'CN=alice,O=Example' });
    expect(authz.isAllowed(dn('cn=alice, o=Example'))).toBe(true);
    expect(authz.isAllowed(dn('2.5.4.3=alice,O=Example'))).toBe(true);
    expect(authz.isAllowed(dn('CN=Alice,O=Example'))).toBe(false);
    expect(authz.isAllowed(dn('CN=alice,O=Example,C=GB'))).toBe(false);
    expect(authz.isAllowed(dn('CN=alice\\,O=Example'))).toBe(false);
    expect(authz.isAllowed(dn('not a DN'))).toBe(false);
  });

  test('rejects an empty identity', () => {
    const error = cryptoError(() => new AuthzSimple({ identity: '' }));
    expect(error.code).toBe(CryptoErrorCode.AUTHZ_INVALID);
    expect(error.message).toBe('authz-simple: "identity" must be a non-empty string');
  });

  test('an identity of unknown kind is denied', () => {
    const odd = { kind: 'sasl', name: 'alice' } as unknown as AuthzIdentity;
    expect(new AuthzSimple({ identity: 'alice' }).isAllowed(odd)).toBe(false);
    expect(new AuthzList({ policy: 'allow' }).isAllowed(odd)).toBe(false);
  });
});

describe('AuthzList', () => {
  test('the first matching rule wins', () => {
    const denyBobFirst = new AuthzList({
      rules: [
        { match: 'bob', policy: 'deny' },
        { match: '*', policy: 'allow', format: 'glob' },
      ],
    });
    expect(denyBobFirst.isAllowed(user('bob'))).toBe(false);
    expect(denyBobFirst.isAllowed(user('alice'))).toBe(true);
    const allowAllFirst = new AuthzList({
      rules: [
        { match: '*', policy: 'allow', format: 'glob' },
        { match: 'bob', policy: 'deny' },
      ],
    });
    expect(allowAllFirst.isAllowed(user('bob'))).toBe(true);
  });

  test('the default policy applies when nothing matches; deny when not given', () => {
    expect(new AuthzList().isAllowed(user('x'))).toBe(false);
    expect(new AuthzList().policy).toBe('deny');
    expect(new AuthzList({ policy: 'allow' }).isAllowed(user('x'))).toBe(true);
    const list = new AuthzList({ rules: [{ match: 'eve', policy: 'deny' }], policy: 'allow' });
    expect(list.isAllowed(user('eve'))).toBe(false);
    expect(list.isAllowed(user('bob'))).toBe(true);
    expect(list.rules).toEqual([{ match: 'eve', policy: 'deny' }]);
  });

  test('exact versus glob', () => {
    const exact = new AuthzList({ rules: [{ match: 'a*', policy: 'allow' }] });
    expect(exact.isAllowed(user('a*'))).toBe(true);
    expect(exact.isAllowed(user('abc'))).toBe(false);
    const glob = new AuthzList({ rules: [{ match: 'a*', policy: 'allow', format: 'glob' }] });
    expect(glob.isAllowed(user('abc'))).toBe(true);
    expect(glob.isAllowed(user('bac'))).toBe(false);
  });

  describe('DN identities', () => {
    const admins = new AuthzList({ rules: [{ match: 'CN=*,O=Admin', policy: 'allow', format: 'glob' }] });

    test('a plain string glob would be fooled by a comma in a CN', () => {
      // Why matching must be structural: as text, '*' swallows the escape, or the
      // unescaped CN looks like two RDNs.
      expect(globMatch('CN=*,O=Admin', 'CN=evil\\,O=Admin')).toBe(true);
      expect(globMatch('CN=*,O=Admin', 'CN=evil,O=Admin')).toBe(true);
    });

    test.each([
      ['CN=bob,O=Admin', true],
      ['cn=bob, o=Admin', true],
      ['CN=evil\\, O=Admin', false],
      ['CN=evil\\,O=Admin', false],
      ['CN=evil\\2C O=Admin', false],
      ['CN=bob,O=Admin,C=GB', false],
      ['CN=bob,O=admin', false],
      ['CN=bob+UID=1,O=Admin', false],
      ['O=Admin', false],
      ['CN=a;b', false],
    ])('CN=*,O=Admin against %j → %s', (identity, allowed) => {
      expect(admins.isAllowed(dn(identity))).toBe(allowed);
    });

    test('spaces and case of types do not matter for exact rules; value case does', () => {
      const list = new AuthzList({ rules: [{ match: 'CN=alice,O=Example', policy: 'allow' }] });
      expect(list.isAllowed(dn('cn=alice, o=Example'))).toBe(true);
      expect(list.isAllowed(dn('commonName = alice , organizationName = Example'))).toBe(true);
      expect(list.isAllowed(dn('CN=ALICE,O=Example'))).toBe(false);
      const lower = new AuthzList({ rules: [{ match: 'cn=alice, o=Example', policy: 'allow' }] });
      expect(lower.isAllowed(dn('CN=alice,O=Example'))).toBe(true);
    });

    test('multi-valued RDNs match in any order, pairing globs by backtracking', () => {
      const list = new AuthzList({
        rules: [
          { match: 'CN=*+OU=eng,O=Admin', policy: 'allow', format: 'glob' },
          { match: 'CN=*b+CN=a*', policy: 'allow', format: 'glob' },
        ],
      });
      expect(list.isAllowed(dn('OU=eng+CN=bob,O=Admin'))).toBe(true);
      expect(list.isAllowed(dn('OU=sales+CN=bob,O=Admin'))).toBe(false);
      expect(list.isAllowed(dn('CN=bob,OU=eng,O=Admin'))).toBe(false);
      // '*b' first takes 'ab', then 'a*' cannot take 'xb': the other pairing works.
      expect(list.isAllowed(dn('CN=ab+CN=xb'))).toBe(true);
      expect(list.isAllowed(dn('CN=xb+CN=yb'))).toBe(false);
    });

    test('glob values may contain escaped separators and still match only one value', () => {
      const list = new AuthzList({ rules: [{ match: 'CN=Smith\\, *,O=Example', policy: 'allow', format: 'glob' }] });
      expect(list.isAllowed(dn('CN=Smith\\, John,O=Example'))).toBe(true);
      expect(list.isAllowed(dn('CN=Smith,CN=John,O=Example'))).toBe(false);
    });

    test('rules are parsed lazily: a username rule never matches a DN, and vice versa', () => {
      const list = new AuthzList({
        rules: [
          { match: 'alice', policy: 'allow' },
          { match: 'CN=bob', policy: 'allow' },
        ],
      });
      expect(list.isAllowed(user('alice'))).toBe(true);
      expect(list.isAllowed(dn('CN=alice'))).toBe(false);
      expect(list.isAllowed(dn('CN=bob'))).toBe(true);
      // A username that happens to be the rule's text matches as a string (QEMU does the same).
      expect(list.isAllowed(user('CN=bob'))).toBe(true);
      expect(list.isAllowed(user('cn=bob'))).toBe(false);
    });

    test('a catch-all glob matches every identity, DN or not', () => {
      const denyAll = new AuthzList({
        rules: [
          { match: 'CN=root', policy: 'allow' },
          { match: '*', policy: 'deny', format: 'glob' },
        ],
        policy: 'allow',
      });
      expect(denyAll.isAllowed(dn('CN=root'))).toBe(true);
      expect(denyAll.isAllowed(dn('CN=other'))).toBe(false);
      expect(denyAll.isAllowed(dn('garbage'))).toBe(false);
      expect(denyAll.isAllowed(user('other'))).toBe(false);
    });

    describe('from real certificates', () => {
      let factory: NameCertFactory;
      beforeAll(() => {
        factory = new NameCertFactory();
      });

      test.each([
        ['evil, O=Admin', false],
        ['evil,O=Admin', false],
        ['evil\nO=Admin', false],
      ])('a certificate with only CN %j does not pass CN=*,O=Admin', (cn, allowed) => {
        const cert = factory.make([[{ oid: Oid.CN, value: cn }]]);
        expect(admins.isAllowed(dn(formatDn(dnFromCertificate(cert))))).toBe(allowed);
        expect(admins.isAllowed(dn(formatDn(dnFromX509Subject(cert.subject))))).toBe(allowed);
      });

      test('a certificate with CN and O=Admin passes', () => {
        const cert = factory.make([[{ oid: Oid.O, value: 'Admin' }], [{ oid: Oid.CN, value: 'bob' }]]);
        expect(admins.isAllowed(dn(formatDn(dnFromCertificate(cert))))).toBe(true);
        expect(admins.isAllowed(dn(formatDn(dnFromX509Subject(cert.subject))))).toBe(true);
      });
    });
  });

  describe('validation', () => {
    const cases: [string, unknown, string][] = [
      ['not an object', 'rules', 'authz-list: expected an object with "rules" and "policy", got "rules"'],
      ['null', null, 'authz-list: expected an object with "rules" and "policy", got null'],
      ['rules not an array', { rules: { match: 'a' } }, 'authz-list: "rules" must be an array, got an object'],
      ['unknown list field', { rules: [], polciy: 'deny' }, 'authz-list: unknown field "polciy" (known: "rules", "policy")'],
      ['bad default policy', { policy: 'reject' }, 'authz-list: "policy" must be "allow" or "deny", got "reject"'],
      ['rule not an object', { rules: [{ match: 'a', policy: 'allow' }, 'b'] }, 'authz-list: rule 1 must be an object, got "b"'],
      ['match missing', { rules: [{ policy: 'allow' }] }, 'authz-list: rule 0: "match" is missing'],
      ['match not a string', { rules: [{ match: 5, policy: 'allow' }] }, 'authz-list: rule 0: "match" must be a string, got number 5'],
      ['match empty', { rules: [{ match: '', policy: 'allow' }] }, 'authz-list: rule 0: "match" must not be empty'],
      ['policy missing', { rules: [{ match: 'a' }] }, 'authz-list: rule 0: "policy" is missing (use "allow" or "deny")'],
      ['bad rule policy', { rules: [{ match: 'a', policy: 'alow' }] }, 'authz-list: rule 0: "policy" must be "allow" or "deny", got "alow"'],
      [
        'bad format',
        { rules: [{ match: 'a', policy: 'allow' }, { match: 'b', policy: 'deny' }, { match: 'c', policy: 'deny', format: 'regex' }] },
        'authz-list: rule 2: "format" must be "exact" or "glob", got "regex"',
      ],
      ['unknown rule field', { rules: [{ match: 'a', policy: 'allow', fromat: 'glob' }] }, 'authz-list: rule 0: unknown field "fromat" (known: "match", "policy", "format")'],
    ];
    test.each(cases)('%s', (_what, options, message) => {
      const error = cryptoError(() => new AuthzList(options as AuthzListOptions));
      expect(error.code).toBe(CryptoErrorCode.AUTHZ_INVALID);
      expect(error.message).toBe(message);
    });
  });
});
