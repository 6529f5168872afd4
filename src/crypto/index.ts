/**
 * vncd's cryptography: ciphers with pluggable backends, hashes, randomness,
 * secrets, distinguished names and authorization. Nothing here knows about VNC
 * sessions or sockets; the VNC layer asks this layer for everything it needs.
 */
export { CryptoError, CryptoErrorCode } from './errors';

export {
  CIPHER_ALGORITHMS,
  CIPHER_BACKEND_ENV,
  CIPHER_MODES,
  CipherRegistry,
  cipherSupports,
  createCipher,
  defaultCipherRegistry,
  isCipherAlgorithm,
  isCipherMode,
  registerCipherBackend,
} from './cipher';
export type {
  Cipher,
  CipherAlgorithm,
  CipherBackend,
  CipherDirection,
  CipherMode,
  CipherOptions,
  CipherRequest,
} from './cipher';
export { createNodeCipherBackend } from './cipher-node';
export { createForgeCipherBackend } from './cipher-forge';
export { VNC_AUTH_CHALLENGE_LENGTH, VNC_AUTH_KEY_LENGTH, vncAuthKey, vncAuthResponse } from './vnc-des';
export type { VncAuthOptions } from './vnc-des';

export { HASH_ALGORITHMS, hashDigest, hashDigestLength, hashSupports, hmacDigest } from './hash';
export type { HashAlgorithm, HashInput, HashOutput } from './hash';
export { deterministicRandom, secureRandom } from './random';
export type { RandomSource } from './random';
export { constantTimeEqual } from './compare';

export { SECRET_FORMATS, SecretStore } from './secret';
export type { SecretFormat, SecretOptions } from './secret';

export { canonicalDn, formatDn, parseDn } from './dn';
export type { Dn, DnAttribute, Rdn } from './dn';
export { dnFromCertificate, dnFromX509Subject } from './dn-x509';
export type { CertificateName } from './dn-x509';

export { AuthzList, AuthzSimple, globMatch } from './authz';
export type { Authz, AuthzIdentity, AuthzListOptions, AuthzSimpleOptions } from './authz';
export { AuthzListFile } from './authz-listfile';
export type { AuthzListFileEvents, AuthzListFileOptions, AuthzReloadInfo } from './authz-listfile';
export { AUTHZ_FORMATS, AUTHZ_POLICIES } from './authz-rules';
export type { AuthzFormat, AuthzListConfig, AuthzPolicy, AuthzRule } from './authz-rules';

export {
  DEFAULT_ANON_PRIORITY,
  DEFAULT_X509_PRIORITY,
  TLS_ENDPOINTS,
  TlsCredsError,
} from './tls-creds';
export type { TlsCreds, TlsCredsKind, TlsEndpoint, TlsPriority, TlsPriorityOptions } from './tls-creds';
export { TlsCredsAnon } from './tls-creds-anon';
export type { TlsCredsAnonOptions } from './tls-creds-anon';
export { TlsCredsX509 } from './tls-creds-x509';
export type { TlsCertificateSummary, TlsCredsX509Options } from './tls-creds-x509';
export { X509_FILES } from './tls-x509-files';
export type { KeyPassword } from './tls-x509-files';
export { CertRule, formatProblems } from './tls-x509-problems';
export type { CertProblem, CertProblemSeverity } from './tls-x509-problems';
export { checkCertificates } from './x509-check';
export type { CheckCertificatesOptions } from './x509-check';
export { DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS, startTlsClient, startTlsServer } from './tls-session';
export type { TlsClientSessionOptions, TlsSession, TlsSessionFacts, TlsSessionOptions } from './tls-session';
