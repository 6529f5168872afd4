import { constantTimeEqual, type Authz } from '../../crypto';
import type { Channel } from '../../io';
import type { SecurityOutcome } from './security';

/** How Plain (VeNCrypt 256/259/262) checks a username and password. */
export interface PlainAuthOptions {
  /** Known users and their passwords. */
  readonly users?: ReadonlyMap<string, string>;
  /** Or the embedder's own check (tried when the user is not in `users`). */
  readonly check?: (username: string, password: string) => boolean | Promise<boolean>;
  /** Usernames allowed after a correct password (QEMU's sasl-authz / tls-authz on the username). */
  readonly authz?: Authz;
}

/** Usernames and passwords longer than this are refused unread: real ones are far shorter. */
const MAX_CREDENTIAL = 1024;

/** Reads Plain's u32 username length, u32 password length, then both (UTF-8), and checks them. */
export async function plainAuthenticate(channel: Channel, options: PlainAuthOptions): Promise<SecurityOutcome> {
  const lengths = await channel.read(8);
  const userLength = lengths.readUInt32BE(0);
  const passwordLength = lengths.readUInt32BE(4);
  if (userLength > MAX_CREDENTIAL || passwordLength > MAX_CREDENTIAL) {
    return { ok: false, reason: `Plain credentials longer than ${MAX_CREDENTIAL} bytes` };
  }
  const username = (await channel.read(userLength)).toString('utf8');
  const password = (await channel.read(passwordLength)).toString('utf8');
  if (!(await passwordMatches(username, password, options))) return { ok: false, reason: 'authentication failed' };
  if (options.authz && !options.authz.isAllowed({ kind: 'username', name: username })) {
    return { ok: false, reason: `user '${username}' is not allowed` };
  }
  return { ok: true, username };
}

async function passwordMatches(username: string, password: string, options: PlainAuthOptions): Promise<boolean> {
  const known = options.users?.get(username);
  if (known !== undefined) return constantTimeEqual(Buffer.from(known, 'utf8'), Buffer.from(password, 'utf8'));
  return options.check ? options.check(username, password) : false;
}
