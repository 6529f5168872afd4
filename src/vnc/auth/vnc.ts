import { constantTimeEqual, vncAuthResponse, type CipherRegistry } from '../../crypto';
import { SecurityType } from '../protocol/constants';
import type { PasswordState } from './password';
import type { SecurityHandler } from './security';

const CHALLENGE_LENGTH = 16;

/**
 * VNC authentication (type 2): a random 16-byte challenge, DES-encrypted by the
 * client with its password. The challenge is always sent, even when no password
 * is usable, so a client learns nothing from the exchange itself.
 */
export function vncSecurity(passwords: PasswordState, ciphers: CipherRegistry): SecurityHandler {
  return {
    type: SecurityType.VNC_AUTH,
    name: 'vnc',
    async authenticate({ channel, random }) {
      const challenge = random(CHALLENGE_LENGTH);
      channel.write(challenge);
      const response = await channel.read(CHALLENGE_LENGTH);
      const state = passwords.current();
      if ('reason' in state) return { ok: false, reason: state.reason };
      const expected = vncAuthResponse(state.password, challenge, { registry: ciphers });
      return constantTimeEqual(expected, response) ? { ok: true } : { ok: false, reason: 'authentication failed' };
    },
  };
}
