/**
 * Matching one rule against one identity. Usernames compare as strings.
 * Certificate DNs compare structurally: both sides are parsed, then matched
 * RDN by RDN and attribute by attribute on unescaped values. Matching the DN
 * as text would let a certificate with CN `evil, O=Admin` pass `CN=*,O=Admin`.
 */
import { parseDn, type Dn, type Rdn } from './dn';
import type { AuthzFormat } from './authz-rules';

export type AuthzIdentity =
  | { readonly kind: 'username'; readonly name: string }
  /** An RFC 4514 DN, e.g. `formatDn(dnFromCertificate(peerCert))`. */
  | { readonly kind: 'x509-dname'; readonly dn: string };

/** An identity parsed once per check; `dn` null when it is not a valid DN. */
export type PreparedIdentity =
  | { readonly kind: 'username'; readonly name: string }
  | { readonly kind: 'x509-dname'; readonly dn: Dn | null };

export function prepareIdentity(identity: AuthzIdentity): PreparedIdentity | null {
  switch (identity.kind) {
    case 'username':
      return identity;
    case 'x509-dname':
      return { kind: 'x509-dname', dn: tryParseDn(identity.dn) };
    default:
      return null; // an unknown kind (from untyped callers) matches nothing
  }
}

/**
 * One rule's `match` with its format. The DN form is parsed lazily, on the
 * first certificate identity: a username rule such as `alice` is not a DN,
 * and need not be one.
 */
export class IdentityPattern {
  #dn: Dn | null | undefined;

  constructor(
    readonly match: string,
    readonly format: AuthzFormat,
  ) {}

  matches(identity: PreparedIdentity): boolean {
    // A catch-all glob is not a DN, yet `*` must mean everyone, as in QEMU.
    if (this.format === 'glob' && CATCH_ALL.test(this.match)) return true;
    const compare = this.format === 'glob' ? globMatch : exactMatch;
    if (identity.kind === 'username') return compare(this.match, identity.name);
    if (identity.dn === null) return false;
    if (this.#dn === undefined) this.#dn = tryParseDn(this.match);
    return this.#dn !== null && dnMatches(this.#dn, identity.dn, compare);
  }
}

const CATCH_ALL = /^\*+$/;

function tryParseDn(text: string): Dn | null {
  try {
    return parseDn(text);
  } catch {
    return null;
  }
}

function exactMatch(pattern: string, text: string): boolean {
  return pattern === text;
}

/**
 * QEMU's (glib's) simple pattern: `*` matches any run of characters, `?` one
 * character (a code point), nothing else is special and there is no escape.
 */
export function globMatch(pattern: string, text: string): boolean {
  const p = Array.from(pattern);
  const t = Array.from(text);
  let pi = 0;
  let ti = 0;
  let star = -1; // pattern index of the last '*' seen
  let resume = 0; // text index that '*' will swallow up to next
  while (ti < t.length) {
    const pc = p[pi];
    if (pc === '*') {
      star = pi++;
      resume = ti;
    } else if (pc !== undefined && (pc === '?' || pc === t[ti])) {
      pi++;
      ti++;
    } else if (star >= 0) {
      pi = star + 1;
      ti = ++resume;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}

/** Same number of RDNs, and each RDN matches its counterpart. */
export function dnMatches(
  pattern: Dn,
  dn: Dn,
  compare: (pattern: string, value: string) => boolean,
): boolean {
  if (pattern.length !== dn.length) return false;
  return pattern.every((rdn, i) => {
    const other = dn[i];
    return other !== undefined && rdnMatches(rdn, other, compare);
  });
}

/**
 * Attributes of a multi-valued RDN are unordered: pair each pattern attribute
 * with a distinct attribute of the same type whose value matches, trying
 * other pairings when a glob could fit several (RDNs hold a handful at most).
 */
function rdnMatches(pattern: Rdn, rdn: Rdn, compare: (pattern: string, value: string) => boolean): boolean {
  if (pattern.length !== rdn.length) return false;
  const used = rdn.map(() => false);
  const assign = (k: number): boolean => {
    const wanted = pattern[k];
    if (wanted === undefined) return true;
    for (let j = 0; j < rdn.length; j++) {
      const candidate = rdn[j];
      if (used[j] || candidate === undefined || candidate.type !== wanted.type) continue;
      if (!compare(wanted.value, candidate.value)) continue;
      used[j] = true;
      if (assign(k + 1)) return true;
      used[j] = false;
    }
    return false;
  };
  return assign(0);
}
