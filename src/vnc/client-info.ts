import { IoError, IoErrorCode, type SocketAddress } from '../io';
import type { AuthName } from './auth/security';
import { VncError } from './errors';

/** A client as the server's info() and events describe it, in QEMU's vocabulary. */
export interface ClientInfo {
  readonly id: number;
  readonly host: string;
  /** The peer port (or path), as QEMU's `service`. */
  readonly service: string;
  readonly family: SocketAddress['family'] | 'unknown';
  readonly websocket: boolean;
  readonly auth?: AuthName;
  /** The VeNCrypt sub-type, by QEMU's name ('x509-vnc', 'tls-plain', ...). */
  readonly vencrypt?: string;
  /** The client certificate's subject (RFC 4514), when it sent one over TLS. */
  readonly x509Dname?: string;
  /** The Plain username. */
  readonly username?: string;
  readonly version?: string;
  readonly shared?: boolean;
  readonly pixelFormat?: string;
  readonly encodings: readonly number[];
  /** The pixel encoding in use ('raw', 'zrle', 'tight', ...). */
  readonly encoding?: string;
  readonly bytesSent: number;
  /** Output waiting for the client to read it: large means a slow or stalled viewer. */
  readonly queuedBytes: number;
}
/** Where a client is, in QEMU's terms: host, service (port or socket path) and family. */
export function peerInfo(peer: SocketAddress | undefined): Pick<ClientInfo, 'host' | 'service' | 'family'> {
  if (peer === undefined) return { host: '', service: '', family: 'unknown' };
  switch (peer.family) {
    case 'unix':
      return { host: 'localhost', service: peer.path, family: peer.family };
    case 'memory':
      return { host: peer.name, service: '', family: peer.family };
    default:
      return { host: peer.host, service: String(peer.port), family: peer.family };
  }
}

/** The log line's reason for how a session ended. */
export function describeEnd(error: unknown): string {
  if (error instanceof IoError && error.code === IoErrorCode.EOF) return 'client closed the connection';
  if (error instanceof IoError && error.code === IoErrorCode.CLOSED) return 'connection closed';
  if (error instanceof VncError) return error.message;
  if (error instanceof Error) return `error: ${error.message}`;
  return `error: ${String(error)}`;
}
