import { timingSafeEqual } from 'node:crypto';

/**
 * Compares two byte strings in time that depends only on their lengths, so an
 * attacker timing authentication replies learns nothing about the secret.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) {
    timingSafeEqual(a, a); // same work as a real comparison, then refuse
    return false;
  }
  return timingSafeEqual(a, b);
}
