import { errorMessage } from '../../errors';
import type { Authz, TlsCreds } from '../../crypto';
import { tlsServerChannel } from '../../io';
import { VncError, VncErrorCode } from '../errors';
import { SecurityType, VencryptSubtype } from '../protocol/constants';
import { MessageWriter } from '../protocol/writer';
import { plainAuthenticate, type PlainAuthOptions } from './plain';
import type { SecurityContext, SecurityHandler, SecurityOutcome } from './security';

/** QEMU's names for the VeNCrypt sub-types (QAPI VncVencryptSubAuth). */
export type VencryptSubtypeName = 'plain' | 'tls-none' | 'tls-vnc' | 'tls-plain' | 'x509-none' | 'x509-vnc' | 'x509-plain';

const SUBTYPES: Readonly<Record<VencryptSubtypeName, { number: number; tls: 'anon' | 'x509' | undefined; inner: 'none' | 'vnc' | 'plain' }>> = {
  plain: { number: VencryptSubtype.PLAIN, tls: undefined, inner: 'plain' },
  'tls-none': { number: VencryptSubtype.TLS_NONE, tls: 'anon', inner: 'none' },
  'tls-vnc': { number: VencryptSubtype.TLS_VNC, tls: 'anon', inner: 'vnc' },
  'tls-plain': { number: VencryptSubtype.TLS_PLAIN, tls: 'anon', inner: 'plain' },
  'x509-none': { number: VencryptSubtype.X509_NONE, tls: 'x509', inner: 'none' },
  'x509-vnc': { number: VencryptSubtype.X509_VNC, tls: 'x509', inner: 'vnc' },
  'x509-plain': { number: VencryptSubtype.X509_PLAIN, tls: 'x509', inner: 'plain' },
};

export const VENCRYPT_SUBTYPE_NAMES = Object.keys(SUBTYPES) as readonly VencryptSubtypeName[];

export interface VencryptOptions {
  /** Offered in this order. TLS sub-types need `creds` of their kind (anon for tls-*, x509 for x509-*). */
  readonly subtypes: readonly VencryptSubtypeName[];
  readonly creds?: TlsCreds;
  /** Checked on the client certificate's DN (x509 sub-types). */
  readonly authz?: Authz;
  /** The VNC password check for *-vnc sub-types (the same handler as security type 2). */
  readonly vnc?: SecurityHandler;
  readonly plain?: PlainAuthOptions;
  /** Offer Plain without TLS even on an unencrypted transport (it sends the password in clear). */
  readonly forcePlain?: boolean;
  readonly handshakeTimeoutMs?: number;
}

/**
 * VeNCrypt (security type 19, version 0.2): the client picks a sub-type from
 * the server's list; for a TLS sub-type it gets an accept byte, then TLS starts
 * by replacing the session's channel with a TLS channel over it, and the inner
 * authentication runs over that. Plain (256) gets no accept byte: noVNC and
 * TigerVNC send the credentials at once and read no such byte (their TLS
 * sub-types do read it), and TigerVNC's server sends none. Bytes a client sends
 * early (a ClientHello) wait in the channel's read-ahead and are handed on.
 */
export function vencryptSecurity(options: VencryptOptions): SecurityHandler {
  for (const name of options.subtypes) {
    const { tls } = SUBTYPES[name];
    if (tls !== undefined && options.creds?.kind !== tls) {
      throw new VncError(VncErrorCode.INVALID_OPTION, `VeNCrypt sub-type ${name} needs ${tls} TLS credentials (tls-creds-${tls})`);
    }
  }
  return {
    type: SecurityType.VENCRYPT,
    name: 'vencrypt',
    async authenticate(context) {
      const { channel } = context;
      channel.write(Buffer.of(0, 2));
      const [major = 0, minor = 0] = await channel.read(2);
      if (major !== 0 || minor !== 2) {
        channel.write(Buffer.of(1));
        return { ok: false, reason: `VeNCrypt version ${major}.${minor} is not supported (only 0.2)`, told: true };
      }
      // Plain sends the password as is: only over a transport that is already encrypted, unless forced.
      const encrypted = channel.facts.layers.includes('tls');
      const offered = options.subtypes.filter((name) => SUBTYPES[name].tls !== undefined || encrypted || options.forcePlain);
      const list = new MessageWriter().u8(0).u8(offered.length);
      for (const name of offered) list.u32(SUBTYPES[name].number);
      channel.write(list.finish());
      if (offered.length === 0) return { ok: false, reason: 'no VeNCrypt sub-type can be offered on this transport', told: true };
      const chosen = (await channel.read(4)).readUInt32BE(0);
      const name = offered.find((candidate) => SUBTYPES[candidate].number === chosen);
      if (name === undefined) {
        channel.write(Buffer.of(0));
        return { ok: false, reason: `VeNCrypt sub-type ${chosen} was not offered`, told: true };
      }
      if (SUBTYPES[name].tls !== undefined) channel.write(Buffer.of(1));
      return subAuthenticate(name, context, options);
    },
  };
}

async function subAuthenticate(name: VencryptSubtypeName, context: SecurityContext, options: VencryptOptions): Promise<SecurityOutcome> {
  const { tls, inner } = SUBTYPES[name];
  if (tls !== undefined && options.creds) {
    const tlsOptions = {
      ...(tls === 'x509' && options.authz ? { authz: options.authz } : {}),
      ...(options.handshakeTimeoutMs === undefined ? {} : { timeoutMs: options.handshakeTimeoutMs }),
      // TigerVNC 1.12 hangs in X509Plain over TLS 1.3 (there the client speaks first after
      // the handshake; at TLS 1.2 it works): Plain over x509 stays at TLS 1.2.
      ...(name === 'x509-plain' && { maxVersion: 'TLSv1.2' as const }),
    };
    try {
      context.replaceChannel(await tlsServerChannel(context.channel, options.creds, tlsOptions));
    } catch (error) {
      return { ok: false, reason: `TLS: ${errorMessage(error)}` };
    }
  }
  const outcome = await innerAuthenticate(inner, context, options);
  return outcome.ok ? { ...outcome, subtype: name } : outcome;
}

function innerAuthenticate(inner: 'none' | 'vnc' | 'plain', context: SecurityContext, options: VencryptOptions): Promise<SecurityOutcome> {
  switch (inner) {
    case 'none':
      return Promise.resolve({ ok: true });
    case 'vnc':
      return options.vnc ? options.vnc.authenticate(context) : Promise.resolve({ ok: false, reason: 'VNC authentication is not configured' });
    case 'plain':
      return plainAuthenticate(context.channel, options.plain ?? {});
  }
}
