import type { Duplex } from 'node:stream';
import {
  AuthzList,
  AuthzSimple,
  CryptoError,
  CryptoErrorCode,
  SecretStore,
  TlsCredsAnon,
  TlsCredsX509,
  startTlsClient,
  startTlsServer,
  type TlsClientSessionOptions,
  type TlsCreds,
  type TlsSession,
  type TlsSessionOptions,
} from '../../../src/crypto';
import { createDuplexPair } from '../../../src/io';
import { CLIENT_DN, dhParamsPem, makeCa, makePki, SERVER_DN, TempDirs, writePki, type Pki, type TestCa } from '../../helpers/cert-factory';

let pki: Pki;
let other: TestCa;
let serverCreds: TlsCredsX509;
let clientCreds: TlsCredsX509;
const temp = new TempDirs();
const sockets: TlsSession[] = [];

beforeAll(() => {
  pki = makePki();
  other = makeCa({ cn: 'Other CA' });
  serverCreds = new TlsCredsX509({ dir: pki.dir, endpoint: 'server' });
  clientCreds = new TlsCredsX509({ dir: pki.dir, endpoint: 'client' });
});

afterEach(() => {
  for (const session of sockets.splice(0)) session.socket.destroy();
});

afterAll(() => {
  pki.cleanup();
  temp.removeAll();
});

/** A directory for the client endpoint: our CA (to verify the server) and the given files. */
function clientDir(files: Parameters<typeof writePki>[1]): string {
  const dir = temp.make('vncd-session-');
  writePki(dir, { cas: [pki.ca], ...files });
  return dir;
}

interface Outcome {
  readonly server: PromiseSettledResult<TlsSession>;
  readonly client: PromiseSettledResult<TlsSession>;
  readonly serverEnd: Duplex;
}

async function handshake(
  server: TlsCreds,
  client: TlsCreds,
  serverOptions: TlsSessionOptions = {},
  clientOptions: TlsClientSessionOptions = {},
): Promise<Outcome> {
  const [a, b] = createDuplexPair();
  const [s, c] = await Promise.allSettled([startTlsServer(a, server, serverOptions), startTlsClient(b, client, clientOptions)]);
  for (const result of [s, c]) if (result.status === 'fulfilled') sockets.push(result.value);
  return { server: s, client: c, serverEnd: a };
}

function ok(result: PromiseSettledResult<TlsSession>): TlsSession {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

function refusal(result: PromiseSettledResult<TlsSession>): CryptoError {
  if (result.status === 'fulfilled') throw new Error('the handshake should have been refused');
  expect(result.reason).toBeInstanceOf(CryptoError);
  return result.reason as CryptoError;
}

async function exchange(a: TlsSession, b: TlsSession): Promise<string> {
  const got = new Promise<string>((resolve) => b.socket.once('data', (data: Buffer) => resolve(data.toString())));
  a.socket.write('ping over TLS');
  return got;
}

describe('anonymous TLS', () => {
  test('Node client and server over an in-memory pair: TLS 1.2, anonymous DH with AES-GCM', async () => {
    const { server, client } = await handshake(new TlsCredsAnon({ endpoint: 'server' }), new TlsCredsAnon({ endpoint: 'client' }));
    const s = ok(server);
    expect(s.facts).toEqual({ protocol: 'TLSv1.2', cipher: 'ADH-AES256-GCM-SHA384', cipherStandardName: 'TLS_DH_anon_WITH_AES_256_GCM_SHA384' });
    expect(ok(client).facts.cipher).toBe('ADH-AES256-GCM-SHA384');
    expect(await exchange(ok(client), s)).toBe('ping over TLS');
  });

  test('a client offering anonymous ECDH only (as TigerVNC prefers) gets AECDH-AES256-SHA', async () => {
    const tiger = new TlsCredsAnon({ endpoint: 'client', priority: 'AECDH-AES256-SHA:AECDH-AES128-SHA:@SECLEVEL=0' });
    const { server } = await handshake(new TlsCredsAnon({ endpoint: 'server' }), tiger);
    expect(ok(server).facts.cipher).toBe('AECDH-AES256-SHA');
  });

  test('a client offering anonymous DH only (as gtk-vnc) works with dh-params.pem from the dir', async () => {
    const dir = temp.make('vncd-anon-');
    writePki(dir, { dhParams: dhParamsPem('modp14') });
    const gtk = new TlsCredsAnon({ endpoint: 'client', priority: 'ADH-AES256-GCM-SHA384:@SECLEVEL=0' });
    const { server } = await handshake(new TlsCredsAnon({ endpoint: 'server', dir }), gtk);
    expect(ok(server).facts.cipher).toBe('ADH-AES256-GCM-SHA384');
  });

  test('no cipher in common: an x509-only client meets an anonymous server', async () => {
    const { server, serverEnd } = await handshake(new TlsCredsAnon({ endpoint: 'server' }), clientCreds);
    const error = refusal(server);
    expect(error.code).toBe(CryptoErrorCode.TLS_HANDSHAKE);
    expect(error.message).toMatch(/^no (cipher suite|TLS version) in common with the client \(ERR_SSL_/);
    expect(serverEnd.destroyed).toBe(true);
  });
});

describe('x509 with verify-peer', () => {
  test('a good client certificate: its DN in RFC 4514 order, and the server DN on the client side', async () => {
    const { server, client } = await handshake(serverCreds, clientCreds, {}, { servername: 'localhost' });
    const s = ok(server);
    expect(s.facts.protocol).toBe('TLSv1.3');
    expect(s.facts.cipher).toBe('TLS_AES_256_GCM_SHA384');
    expect(s.facts.peerDn).toBe(CLIENT_DN);
    expect(s.facts.peerCertificate?.serialNumber).toBe(pki.client?.x509.serialNumber);
    expect(ok(client).facts.peerDn).toBe(SERVER_DN);
    expect(await exchange(s, ok(client))).toBe('ping over TLS');
  });

  test('TLS 1.2 only: an ECDHE AEAD suite', async () => {
    const tls12 = new TlsCredsX509({ dir: pki.dir, endpoint: 'client', priority: { maxVersion: 'TLSv1.2' } });
    const { server } = await handshake(serverCreds, tls12);
    expect(ok(server).facts).toMatchObject({ protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES256-GCM-SHA384', peerDn: CLIENT_DN });
  });

  test('a client without a certificate is refused (TLS 1.3 and 1.2)', async () => {
    for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
      const anonymous = new TlsCredsX509({ dir: clientDir({}), endpoint: 'client', priority: { maxVersion } });
      const { server, serverEnd } = await handshake(serverCreds, anonymous);
      const error = refusal(server);
      expect(error.code).toBe(CryptoErrorCode.TLS_PEER_REFUSED);
      expect(error.message).toBe('the client sent no certificate, and verify-peer requires one signed by our CA');
      expect(serverEnd.destroyed).toBe(true);
    }
  });

  test('a client certificate from another CA is refused (a standalone TLSSocket would let it in)', async () => {
    const rogue = new TlsCredsX509({
      dir: clientDir({ client: other.issue('client', { cn: 'mallory' }) }),
      endpoint: 'client',
      sanityCheck: false,
    });
    const { server, serverEnd } = await handshake(serverCreds, rogue);
    const error = refusal(server);
    expect(error.code).toBe(CryptoErrorCode.TLS_PEER_REFUSED);
    expect(error.message).toBe('the client certificate was refused: it is not signed by any of our CAs (UNABLE_TO_VERIFY_LEAF_SIGNATURE)');
    expect(serverEnd.destroyed).toBe(true);
  });

  test('OpenSSL agrees with the sanity checks: a client CA whose key usage lacks keyCertSign is refused', async () => {
    const soft = makeCa({ cn: 'Soft CA', keyUsage: { usages: ['cRLSign'], critical: false } });
    const dir = temp.make('vncd-session-');
    writePki(dir, { cas: [pki.ca, soft], server: pki.server! });
    const lenient = new TlsCredsX509({ dir, endpoint: 'server', sanityCheck: false });
    const client = new TlsCredsX509({ dir: clientDir({ client: soft.issue('client') }), endpoint: 'client', sanityCheck: false });
    const error = refusal((await handshake(lenient, client)).server);
    expect(error.code).toBe(CryptoErrorCode.TLS_PEER_REFUSED);
    // OpenSSL 3.0 cannot build the chain through such a CA and says no more than that.
    expect(error.message).toBe('the client certificate was refused (UNSPECIFIED)');
  });

  test('OpenSSL agrees with the sanity checks: a server certificate without serverAuth is refused by the client', async () => {
    const dir = temp.make('vncd-session-');
    writePki(dir, { cas: [pki.ca], server: pki.ca.issue('server', { extKeyUsage: { purposes: ['clientAuth'] } }) });
    const wrongPurpose = new TlsCredsX509({ dir, endpoint: 'server', verifyPeer: false, sanityCheck: false });
    const error = refusal((await handshake(wrongPurpose, clientCreds)).client);
    expect(error.code).toBe(CryptoErrorCode.TLS_PEER_REFUSED);
    expect(error.message).toBe('the server certificate was refused: its (extended) key usage does not allow this TLS role (INVALID_PURPOSE)');
  });
});

describe('chains through an intermediate CA', () => {
  test('the server sends its chain; the client trusts the root only', async () => {
    const inter = pki.ca.issueCa();
    const dir = temp.make('vncd-session-');
    writePki(dir, { cas: [pki.ca], server: inter.issue('server'), chain: [inter] });
    const chained = new TlsCredsX509({ dir, endpoint: 'server', verifyPeer: false });
    const client = ok((await handshake(chained, clientCreds, {}, { servername: 'localhost' })).client);
    expect(client.facts.peerDn).toBe(SERVER_DN);
  });

  test('a client certificate from an intermediate CA listed in the server\'s ca-cert.pem', async () => {
    const inter = pki.ca.issueCa();
    const dir = temp.make('vncd-session-');
    writePki(dir, { cas: [pki.ca, inter], server: pki.server! });
    const server = new TlsCredsX509({ dir, endpoint: 'server' });
    const client = new TlsCredsX509({ dir: clientDir({ cas: [pki.ca, inter], client: inter.issue('client', { cn: 'carol' }) }), endpoint: 'client' });
    expect(ok((await handshake(server, client)).server).facts.peerDn).toBe('CN=carol,O=vncd test,C=GB');
  });
});

describe('the client verifies the server', () => {
  test('by host name or IP address when given one', async () => {
    expect(ok((await handshake(serverCreds, clientCreds, {}, { servername: '127.0.0.1' })).client).facts.peerDn).toBe(SERVER_DN);
    const error = refusal((await handshake(serverCreds, clientCreds, {}, { servername: 'vnc.example.org' })).client);
    expect(error.code).toBe(CryptoErrorCode.TLS_PEER_REFUSED);
    expect(error.message).toBe('the server certificate was refused: it is not issued for the host name we connected to (ERR_TLS_CERT_ALTNAME_INVALID)');
  });

  test('a server certificate from another CA is refused', async () => {
    const dir = temp.make('vncd-session-');
    writePki(dir, { cas: [pki.ca], server: other.issue('server') });
    const rogueServer = new TlsCredsX509({ dir, endpoint: 'server', sanityCheck: false });
    const error = refusal((await handshake(rogueServer, clientCreds)).client);
    expect(error.code).toBe(CryptoErrorCode.TLS_PEER_REFUSED);
    expect(error.message).toMatch(/^the server certificate was refused: it is not signed by any of our CAs \(UNABLE_TO_(VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT_LOCALLY)\)$/);
  });
});

describe('x509 without verify-peer', () => {
  test('a client without a certificate is let in, with no DN', async () => {
    const lax = new TlsCredsX509({ dir: pki.dir, endpoint: 'server', verifyPeer: false });
    const anonymous = new TlsCredsX509({ dir: clientDir({}), endpoint: 'client' });
    const s = ok((await handshake(lax, anonymous)).server);
    expect(s.facts.peerDn).toBeUndefined();
    expect(s.facts.peerCertificate).toBeUndefined();
  });
});

describe('authz on the DN', () => {
  test('an allowed DN passes; matching is on the parsed DN', async () => {
    const authz = new AuthzSimple({ identity: 'cn=vnc-test-client, o=vncd test, c=GB' });
    expect(ok((await handshake(serverCreds, clientCreds, { authz })).server).facts.peerDn).toBe(CLIENT_DN);
  });

  test('a DN the list denies is refused with the DN named', async () => {
    const authz = new AuthzList({ policy: 'allow', rules: [{ match: 'CN=vnc-test-*,O=vncd test,C=GB', policy: 'deny', format: 'glob' }] });
    const { server, serverEnd } = await handshake(serverCreds, clientCreds, { authz });
    const error = refusal(server);
    expect(error.code).toBe(CryptoErrorCode.TLS_AUTHZ_DENIED);
    expect(error.message).toBe(`the client certificate DN "${CLIENT_DN}" is not allowed by the TLS authz`);
    expect(serverEnd.destroyed).toBe(true);
  });

  test('no certificate, no DN: refused', async () => {
    const authz = new AuthzList({ policy: 'allow' });
    const lax = new TlsCredsX509({ dir: pki.dir, endpoint: 'server', verifyPeer: false });
    const anonymous = new TlsCredsX509({ dir: clientDir({}), endpoint: 'client' });
    const error = refusal((await handshake(lax, anonymous, { authz })).server);
    expect(error.message).toBe(
      'the client presented no certificate, so the TLS authz has no DN to check (it needs x509 credentials with verify-peer)',
    );
  });
});

describe('credentials over time and misuse', () => {
  test('reload: the next session presents the renewed certificate', async () => {
    const dir = temp.make('vncd-session-');
    writePki(dir, { cas: [pki.ca], server: pki.server! });
    const creds = new TlsCredsX509({ dir, endpoint: 'server' });
    const before = ok((await handshake(creds, clientCreds)).client);
    expect(before.facts.peerCertificate?.serialNumber).toBe(pki.server?.x509.serialNumber);
    const renewed = pki.ca.issue('server');
    writePki(dir, { server: renewed });
    creds.reload();
    const after = ok((await handshake(creds, clientCreds)).client);
    expect(after.facts.peerCertificate?.serialNumber).toBe(renewed.x509.serialNumber);
    // The session made before the reload goes on.
    expect(before.socket.destroyed).toBe(false);
  });

  test('an encrypted key whose password comes from a SecretStore', async () => {
    const secrets = new SecretStore();
    secrets.add({ id: 'keypw', data: 'correct horse' });
    const dir = temp.make('vncd-session-');
    writePki(dir, { cas: [pki.ca], server: pki.server!, keyPassword: 'correct horse' });
    const creds = new TlsCredsX509({ dir, endpoint: 'server', password: () => secrets.getText('keypw') });
    expect(ok((await handshake(creds, clientCreds)).server).facts.peerDn).toBe(CLIENT_DN);
  });

  test('a handshake that never comes times out, and the transport is closed', async () => {
    const [a] = createDuplexPair();
    const started = Date.now();
    const error = await startTlsServer(a, serverCreds, { timeoutMs: 150 }).then(
      () => undefined,
      (e: unknown) => e as CryptoError,
    );
    expect(error?.code).toBe(CryptoErrorCode.TLS_TIMEOUT);
    expect(error?.message).toBe('the TLS handshake with the client did not finish within 150 ms');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(a.destroyed).toBe(true);
  });

  test('credentials of the wrong endpoint, a bad timeout', async () => {
    const [a, b] = createDuplexPair();
    await expect(startTlsServer(a, clientCreds)).rejects.toMatchObject({ code: CryptoErrorCode.TLS_OPTION_INVALID });
    await expect(startTlsClient(b, serverCreds)).rejects.toMatchObject({ code: CryptoErrorCode.TLS_OPTION_INVALID });
    await expect(startTlsServer(a, serverCreds, { timeoutMs: 0 })).rejects.toMatchObject({
      code: CryptoErrorCode.TLS_OPTION_INVALID,
      message: 'TLS handshake timeoutMs must be a positive number, not 0',
    });
    a.destroy();
    b.destroy();
  });

  test('a peer that is not speaking TLS', async () => {
    const [a, b] = createDuplexPair();
    const pending = startTlsServer(a, serverCreds);
    b.write('RFB 003.008\n');
    const error = await pending.then(
      () => undefined,
      (e: unknown) => e as CryptoError,
    );
    expect(error?.code).toBe(CryptoErrorCode.TLS_HANDSHAKE);
    expect(error?.message).toMatch(/^the client does not speak TLS here \(ERR_SSL_/);
    b.destroy();
  });
});
