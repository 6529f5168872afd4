import type { RandomSource } from '../crypto';
import type { Channel } from '../io';
import type { SecurityContext, SecurityHandler } from './auth/security';
import { VncError, VncErrorCode } from './errors';
import { SecurityType } from './protocol/constants';
import { parseClientVersion, SERVER_VERSION, type RfbVersion } from './protocol/version';
import { MessageWriter } from './protocol/writer';

export interface HandshakeOptions {
  /** The security types offered, in the server's order of preference. */
  readonly security: readonly SecurityHandler[];
  readonly random: RandomSource;
  /** When set, every client is refused with this reason after the version exchange. */
  readonly refusal?: string;
}

export interface HandshakeResult {
  readonly version: RfbVersion;
  readonly security: SecurityHandler;
  readonly username?: string;
  readonly subtype?: string;
}

/** The part of a session the handshake works on: its channel, which a TLS security type replaces. */
export interface HandshakeSession {
  channel: Channel;
}

const SECURITY_RESULT_OK = 0;
const SECURITY_RESULT_FAILED = 1;

/**
 * ProtocolVersion, security negotiation and authentication, with each version's
 * rules: 3.3 has the server pick the type and sends no SecurityResult for None;
 * 3.7 lets the client pick and still sends none for None; 3.8 always sends a
 * SecurityResult and a reason on failure. Throws VncError after telling the
 * client (where its version allows) why it is refused.
 */
export async function handshake(session: HandshakeSession, options: HandshakeOptions): Promise<HandshakeResult> {
  session.channel.write(SERVER_VERSION);
  const parsed = parseClientVersion(await session.channel.read(SERVER_VERSION.length));
  if ('error' in parsed) throw new VncError(VncErrorCode.PROTOCOL, parsed.error);
  const { version } = parsed;

  const offered = version === '3.3' ? options.security.filter(canDoVersion33) : options.security;
  const refusal =
    options.refusal ?? (offered.length === 0 ? `no security type offered to an RFB ${version} client` : undefined);
  if (refusal !== undefined) {
    const refuse = new MessageWriter();
    if (version === '3.3') refuse.u32(SecurityType.INVALID);
    else refuse.u8(0);
    session.channel.write(refuse.string(refusal).finish());
    throw new VncError(VncErrorCode.REFUSED, refusal);
  }

  const chosen = await chooseSecurity(session.channel, version, offered);
  const context: SecurityContext = {
    get channel() {
      return session.channel;
    },
    replaceChannel: (channel) => {
      session.channel = channel;
    },
    version,
    random: options.random,
  };
  const outcome = await chosen.authenticate(context);
  const sendsResult = version === '3.8' || chosen.type !== SecurityType.NONE;
  if (outcome.ok) {
    if (sendsResult) session.channel.write(new MessageWriter().u32(SECURITY_RESULT_OK).finish());
    return {
      version,
      security: chosen,
      ...(outcome.username !== undefined && { username: outcome.username }),
      ...(outcome.subtype !== undefined && { subtype: outcome.subtype }),
    };
  }
  if (!outcome.told) sendFailure(session.channel, version, outcome.reason);
  throw new VncError(VncErrorCode.AUTH_FAILED, outcome.reason);
}

/** RFB 3.3 has no way to negotiate inside a type, so only None and VNC auth are offered to it. */
function canDoVersion33(handler: SecurityHandler): boolean {
  return handler.type === SecurityType.NONE || handler.type === SecurityType.VNC_AUTH;
}

async function chooseSecurity(
  channel: Channel,
  version: RfbVersion,
  offered: readonly SecurityHandler[],
): Promise<SecurityHandler> {
  const [first] = offered;
  if (version === '3.3' || first === undefined) {
    if (first === undefined) throw new VncError(VncErrorCode.REFUSED, 'no security type to offer');
    channel.write(new MessageWriter().u32(first.type).finish());
    return first;
  }
  const list = new MessageWriter().u8(offered.length);
  for (const handler of offered) list.u8(handler.type);
  channel.write(list.finish());
  const [type = SecurityType.INVALID] = await channel.read(1);
  const chosen = offered.find((handler) => handler.type === type);
  if (chosen) return chosen;
  const reason = `security type ${type} was not offered`;
  sendFailure(channel, version, reason);
  throw new VncError(VncErrorCode.AUTH_FAILED, reason);
}

function sendFailure(channel: Channel, version: RfbVersion, reason: string): void {
  const result = new MessageWriter().u32(SECURITY_RESULT_FAILED);
  if (version === '3.8') result.string(reason);
  channel.write(result.finish());
}
