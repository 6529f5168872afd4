/**
 * Handshake failures in plain words: OpenSSL's codes become a CryptoError
 * that says what the peer did wrong (or what does not fit our priority), with
 * Node's error as the cause.
 */
import { errorMessage } from '../errors';
import { CryptoError, CryptoErrorCode } from './errors';
import type { TlsCreds } from './tls-creds';

/** OpenSSL verification results (as Node reports them) → what they mean for the peer's certificate. */
const VERIFY_REASONS: Readonly<Record<string, string>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'it is not signed by any of our CAs',
  UNABLE_TO_GET_ISSUER_CERT: 'it is not signed by any of our CAs',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'it is not signed by any of our CAs',
  SELF_SIGNED_CERT_IN_CHAIN: 'its chain ends at a self-signed CA that is not one of ours',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'it is self-signed and not one of our CAs',
  CERT_SIGNATURE_FAILURE: 'its signature does not verify',
  CERT_HAS_EXPIRED: 'it has expired',
  CERT_NOT_YET_VALID: 'it is not valid yet',
  CERT_REVOKED: 'it is revoked (listed in our CRL)',
  UNABLE_TO_GET_CRL: 'our CRL file has no CRL for its CA',
  CRL_HAS_EXPIRED: 'our CRL for its CA has expired',
  INVALID_PURPOSE: 'its (extended) key usage does not allow this TLS role',
  INVALID_CA: 'a CA in its chain is not a valid CA',
  KEYUSAGE_NO_CERTSIGN: "its CA's key usage does not permit certificate signing",
  CERT_UNTRUSTED: 'its CA is not trusted for this purpose',
  CERT_CHAIN_TOO_LONG: 'its chain is too long',
  PATH_LENGTH_EXCEEDED: 'its chain is longer than a CA allows',
  HOSTNAME_MISMATCH: 'it is not issued for the host name we connected to',
  ERR_TLS_CERT_ALTNAME_INVALID: 'it is not issued for the host name we connected to',
};

export function describeHandshakeError(
  error: Error,
  authorizationError: string | Error | null | undefined,
  peer: 'client' | 'server',
  creds: TlsCreds,
): CryptoError {
  const code = String((error as { code?: unknown }).code ?? '');
  const verify = typeof authorizationError === 'string' ? authorizationError : code;
  const reason = VERIFY_REASONS[verify];
  const options = { cause: error };
  if (reason !== undefined) {
    return new CryptoError(CryptoErrorCode.TLS_PEER_REFUSED, `the ${peer} certificate was refused: ${reason} (${verify})`, options);
  }
  if (typeof authorizationError === 'string') {
    return new CryptoError(CryptoErrorCode.TLS_PEER_REFUSED, `the ${peer} certificate was refused (${authorizationError})`, options);
  }
  switch (code) {
    case 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE':
      return new CryptoError(
        CryptoErrorCode.TLS_PEER_REFUSED,
        `the ${peer} sent no certificate, and verify-peer requires one signed by our CA`,
        options,
      );
    case 'ERR_SSL_NO_SHARED_CIPHER':
    case 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE':
    case 'ERR_SSL_NO_CIPHERS_AVAILABLE':
      return new CryptoError(
        CryptoErrorCode.TLS_HANDSHAKE,
        `no cipher suite in common with the ${peer} (${code}); ours (${creds.kind}): ${creds.priority.ciphers}`,
        options,
      );
    case 'ERR_SSL_UNSUPPORTED_PROTOCOL':
    case 'ERR_SSL_NO_PROTOCOLS_AVAILABLE':
    case 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION':
      return new CryptoError(
        CryptoErrorCode.TLS_HANDSHAKE,
        `no TLS version in common with the ${peer} (${code}); ours: ${creds.priority.minVersion} to ${creds.priority.maxVersion}`,
        options,
      );
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_HTTP_REQUEST':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
      return new CryptoError(CryptoErrorCode.TLS_HANDSHAKE, `the ${peer} does not speak TLS here (${code})`, options);
    case 'ERR_TLS_HANDSHAKE_TIMEOUT':
      return new CryptoError(CryptoErrorCode.TLS_TIMEOUT, `the TLS handshake with the ${peer} timed out`, options);
    case 'ECONNRESET':
    case 'EPIPE':
      return new CryptoError(CryptoErrorCode.TLS_HANDSHAKE, `the ${peer} closed the connection during the TLS handshake`, options);
    default:
      if (code.startsWith('ERR_SSL_SSLV3_ALERT_') || code.startsWith('ERR_SSL_TLSV1_ALERT_')) {
        return new CryptoError(
          CryptoErrorCode.TLS_HANDSHAKE,
          `the ${peer} aborted the TLS handshake with an alert (${code}): it may not trust our certificate`,
          options,
        );
      }
      return new CryptoError(CryptoErrorCode.TLS_HANDSHAKE, `the TLS handshake with the ${peer} failed: ${errorMessage(error)}`, options);
  }
}
