import type { RandomSource } from '../../crypto';
import type { Channel } from '../../io';
import type { RfbVersion } from '../protocol/version';

/** QEMU's names for the primary auth types (QAPI VncPrimaryAuth), used in events and info(). */
export type AuthName = 'none' | 'vnc' | 'vencrypt';

/** What a security type's exchange sees of the connection. */
export interface SecurityContext {
  /** The current channel; a type that starts TLS replaces it with `replaceChannel`. */
  readonly channel: Channel;
  replaceChannel(channel: Channel): void;
  readonly version: RfbVersion;
  readonly random: RandomSource;
}

export type SecurityOutcome =
  | { readonly ok: true; readonly username?: string; /** The VeNCrypt sub-type used, by QEMU's name. */ readonly subtype?: string }
  /** `told`: the handler has already refused in its own protocol (VeNCrypt), so no SecurityResult follows. */
  | { readonly ok: false; readonly reason: string; readonly told?: boolean };

/**
 * One RFB security type. The handshake offers it, reads the client's choice,
 * runs `authenticate`, then sends SecurityResult itself, following each
 * protocol version's rules, so a handler only does its own exchange.
 */
export interface SecurityHandler {
  /** The RFB security type number. */
  readonly type: number;
  readonly name: AuthName;
  authenticate(context: SecurityContext): Promise<SecurityOutcome>;
}
