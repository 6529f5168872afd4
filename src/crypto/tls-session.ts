/**
 * A TLS session over any Duplex (a socket, an in-memory pair, a websocket
 * stream) with a credentials object: the handshake as a promise with a
 * timeout, then the facts (protocol, cipher, the peer's DN) and the authz.
 *
 * Server side, the Duplex goes through a non-listening `tls.Server`'s
 * connection path (`emit('connection', duplex)`), because only that path
 * checks a client certificate: a standalone server TLSSocket accepts one from
 * an unknown CA. Each handshake gets its own tls.Server, built from the
 * credentials' current options, so that its 'secureConnection' and
 * 'tlsClientError' events can only be about this one Duplex (a shared server's
 * events do not say which injected stream they concern).
 */
import { errorMessage } from '../errors';
import type { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { Server, checkServerIdentity, connect, type TLSSocket } from 'node:tls';
import type { Authz } from './authz';
import { formatDn } from './dn';
import { dnFromCertificate } from './dn-x509';
import { CryptoError, CryptoErrorCode } from './errors';
import type { TlsCreds } from './tls-creds';
import { describeHandshakeError } from './tls-session-errors';

export const DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS = 30_000;

export interface TlsSessionFacts {
  /** `TLSv1.2`, `TLSv1.3`. */
  readonly protocol: string;
  /** OpenSSL's name of the negotiated suite, e.g. `ADH-AES256-GCM-SHA384`, `TLS_AES_256_GCM_SHA384`. */
  readonly cipher: string;
  /** The IANA name, e.g. `TLS_DH_anon_WITH_AES_256_GCM_SHA384`. */
  readonly cipherStandardName: string;
  /** The peer certificate's subject, RFC 4514 canonical form, when the peer sent one. */
  readonly peerDn?: string;
  readonly peerCertificate?: X509Certificate;
}

export interface TlsSession {
  /** The encrypted stream: read and write plaintext here. Closing it closes the Duplex under it. */
  readonly socket: TLSSocket;
  readonly facts: TlsSessionFacts;
}

export interface TlsSessionOptions {
  /** Handshake time limit (ms); default 30 s. */
  readonly timeoutMs?: number;
  /** Checked on the peer's certificate DN after the handshake; a peer without a certificate is refused. */
  readonly authz?: Authz;
  /** A lower protocol ceiling than the credentials' priority, for peers known to fail above it. */
  readonly maxVersion?: 'TLSv1.2';
}

export interface TlsClientSessionOptions extends TlsSessionOptions {
  /**
   * The server's host name or IP address: sent as SNI (names only) and, with
   * verifyPeer, checked against the server certificate. Without it the
   * certificate chain is still verified, the name is not.
   */
  readonly servername?: string;
}

/** The server side of a TLS handshake on `duplex`. On failure the Duplex is destroyed and a CryptoError says why. */
export function startTlsServer(duplex: Duplex, creds: TlsCreds, options: TlsSessionOptions = {}): Promise<TlsSession> {
  return new Promise<TlsSession>((resolve, reject) => {
    const timeoutMs = checkTimeout(options.timeoutMs);
    const serverOptions = creds.tlsServerOptions();
    // The server's own (inactivity) timer stays behind ours, which bounds the whole handshake.
    const server = new Server({
      ...serverOptions,
      ...(options.maxVersion !== undefined && { maxVersion: options.maxVersion }),
      handshakeTimeout: timeoutMs + 1000,
    });
    let tlsSocket: TLSSocket | undefined;
    const halfOpen = duplex.allowHalfOpen;
    const { settle, fail } = settlement(duplex, () => tlsSocket, resolve, reject, cleanup, timeoutMs, 'client', halfOpen);
    function cleanup(): void {
      server.removeAllListeners();
      duplex.off('close', onClose);
    }
    const onClose = (): void => {
      // tlsClientError (with the reason) may follow the transport's close: give it its turn first.
      setImmediate(() => fail(new CryptoError(CryptoErrorCode.TLS_HANDSHAKE, 'the client closed the connection during the TLS handshake')));
    };
    server.on('secureConnection', (socket: TLSSocket) => {
      tlsSocket = socket;
      settle(socket, options.authz);
    });
    server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
      tlsSocket = socket;
      fail(describeHandshakeError(error, socket.authorizationError, 'client', creds));
    });
    duplex.once('close', onClose);
    // A peer that ends its side mid-handshake (after refusing our certificate, say) must fail it
    // now, not at the timeout: the TLSSocket copies allowHalfOpen from the stream it wraps, and
    // without half-open it ends and closes on EOF (restored once the handshake is done).
    duplex.allowHalfOpen = false;
    try {
      server.emit('connection', duplex);
    } finally {
      duplex.allowHalfOpen = halfOpen;
    }
  });
}

/** The client side of a TLS handshake on `duplex`, with client-endpoint credentials. */
export function startTlsClient(duplex: Duplex, creds: TlsCreds, options: TlsClientSessionOptions = {}): Promise<TlsSession> {
  return new Promise<TlsSession>((resolve, reject) => {
    const timeoutMs = checkTimeout(options.timeoutMs);
    const name = options.servername;
    const socket = connect({
      ...creds.tlsClientOptions(),
      socket: duplex,
      ...(name !== undefined && isIP(name) === 0 ? { servername: name } : {}),
      checkServerIdentity: (_host, cert) => (name === undefined ? undefined : checkServerIdentity(name, cert)),
    });
    const halfOpen = socket.allowHalfOpen;
    socket.allowHalfOpen = false; // see startTlsServer
    const { settle, fail } = settlement(duplex, () => socket, resolve, reject, cleanup, timeoutMs, 'server', halfOpen);
    function cleanup(): void {
      socket.off('secureConnect', onSecure);
      socket.off('error', onError);
      socket.off('close', onClose);
    }
    const onSecure = (): void => settle(socket, options.authz);
    const onError = (error: Error): void => fail(describeHandshakeError(error, undefined, 'server', creds));
    const onClose = (): void => fail(new CryptoError(CryptoErrorCode.TLS_HANDSHAKE, 'the server closed the connection during the TLS handshake'));
    socket.once('secureConnect', onSecure);
    socket.on('error', onError);
    socket.once('close', onClose);
  });
}

function checkTimeout(timeoutMs: number | undefined): number {
  const value = timeoutMs ?? DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS;
  if (!Number.isFinite(value) || value <= 0) {
    throw new CryptoError(CryptoErrorCode.TLS_OPTION_INVALID, `TLS handshake timeoutMs must be a positive number, not ${value}`);
  }
  return value;
}

/** One outcome per handshake: success once, or failure once (which tears everything down). */
function settlement(
  duplex: Duplex,
  socketOf: () => TLSSocket | undefined,
  resolve: (session: TlsSession) => void,
  reject: (error: Error) => void,
  cleanup: () => void,
  timeoutMs: number,
  peer: 'client' | 'server',
  /** The TLSSocket's half-open setting to restore after the handshake. */
  halfOpen: boolean,
): { settle: (socket: TLSSocket, authz: Authz | undefined) => void; fail: (error: Error) => void } {
  let done = false;
  const timer = setTimeout(() => {
    fail(new CryptoError(CryptoErrorCode.TLS_TIMEOUT, `the TLS handshake with the ${peer} did not finish within ${timeoutMs} ms`));
  }, timeoutMs);
  function finish(): boolean {
    if (done) return false;
    done = true;
    clearTimeout(timer);
    cleanup();
    return true;
  }
  function fail(error: Error): void {
    if (!finish()) return;
    const socket = socketOf();
    // The TLSSocket may not exist yet (or already be gone); the transport goes either way.
    socket?.on('error', () => undefined);
    socket?.destroy();
    duplex.destroy();
    reject(error);
  }
  function settle(socket: TLSSocket, authz: Authz | undefined): void {
    if (done) return;
    let facts: TlsSessionFacts;
    try {
      facts = sessionFacts(socket);
    } catch (error) {
      fail(new CryptoError(CryptoErrorCode.TLS_HANDSHAKE, `cannot read the ${peer}'s TLS session: ${errorMessage(error)}`, { cause: error }));
      return;
    }
    if (authz !== undefined) {
      const denied = authzRefusal(authz, facts.peerDn, peer);
      if (denied !== undefined) {
        fail(denied);
        return;
      }
    }
    if (!finish()) return;
    socket.allowHalfOpen = halfOpen;
    // Closing the TLS stream must close the transport too: a non-socket Duplex is not closed by TLS itself.
    socket.once('close', () => duplex.destroy());
    duplex.once('close', () => socket.destroy());
    resolve({ socket, facts });
  }
  return { settle, fail };
}

function sessionFacts(socket: TLSSocket): TlsSessionFacts {
  const cipher = socket.getCipher();
  const peerCertificate = socket.getPeerX509Certificate();
  return {
    protocol: socket.getProtocol() ?? 'unknown',
    cipher: cipher.name,
    cipherStandardName: cipher.standardName,
    ...(peerCertificate === undefined ? {} : { peerCertificate, peerDn: formatDn(dnFromCertificate(peerCertificate)) }),
  };
}

function authzRefusal(authz: Authz, peerDn: string | undefined, peer: 'client' | 'server'): CryptoError | undefined {
  if (peerDn === undefined) {
    return new CryptoError(
      CryptoErrorCode.TLS_AUTHZ_DENIED,
      `the ${peer} presented no certificate, so the TLS authz has no DN to check (it needs x509 credentials with verify-peer)`,
    );
  }
  if (authz.isAllowed({ kind: 'x509-dname', dn: peerDn })) return undefined;
  return new CryptoError(CryptoErrorCode.TLS_AUTHZ_DENIED, `the ${peer} certificate DN "${peerDn}" is not allowed by the TLS authz`);
}
