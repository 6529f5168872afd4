/**
 * Authorization objects after QEMU's authz-simple and authz-list: given who a
 * client proved to be (a username, or the DN of its certificate), say whether
 * it may connect.
 */
import { IdentityPattern, prepareIdentity, type AuthzIdentity } from './authz-match';
import { validateAuthzListConfig, type AuthzPolicy, type AuthzRule } from './authz-rules';
import { CryptoError, CryptoErrorCode } from './errors';

export type { AuthzIdentity } from './authz-match';
export { globMatch } from './authz-match';
export {
  AUTHZ_FORMATS,
  AUTHZ_POLICIES,
  type AuthzFormat,
  type AuthzListConfig,
  type AuthzPolicy,
  type AuthzRule,
} from './authz-rules';

export interface Authz {
  isAllowed(identity: AuthzIdentity): boolean;
}

export interface AuthzSimpleOptions {
  /** The one identity allowed: a username, or a DN (compared structurally). */
  readonly identity: string;
}

/** QEMU authz-simple: exactly one identity is allowed. */
export class AuthzSimple implements Authz {
  readonly #pattern: IdentityPattern;

  constructor(options: AuthzSimpleOptions) {
    if (typeof options.identity !== 'string' || options.identity === '') {
      throw new CryptoError(CryptoErrorCode.AUTHZ_INVALID, 'authz-simple: "identity" must be a non-empty string');
    }
    this.#pattern = new IdentityPattern(options.identity, 'exact');
  }

  get identity(): string {
    return this.#pattern.match;
  }

  isAllowed(identity: AuthzIdentity): boolean {
    const prepared = prepareIdentity(identity);
    return prepared !== null && this.#pattern.matches(prepared);
  }
}

export interface AuthzListOptions {
  readonly rules?: readonly AuthzRule[];
  /** When no rule matches (default `deny`). */
  readonly policy?: AuthzPolicy;
}

/**
 * QEMU authz-list: ordered rules, the first that matches decides; otherwise
 * the default policy. Rules are not checked for DN syntax at creation, since
 * a username rule need not be a DN; a rule that is not a DN never matches a
 * certificate identity.
 */
export class AuthzList implements Authz {
  readonly policy: AuthzPolicy;
  readonly #rules: readonly { readonly rule: AuthzRule; readonly pattern: IdentityPattern }[];

  /** `source` names the origin in error messages (a file name, for instance). */
  constructor(options: AuthzListOptions = {}, source = 'authz-list') {
    const config = validateAuthzListConfig(options, source);
    this.policy = config.policy;
    this.#rules = config.rules.map((rule) => ({
      rule,
      pattern: new IdentityPattern(rule.match, rule.format ?? 'exact'),
    }));
  }

  get rules(): readonly AuthzRule[] {
    return this.#rules.map(({ rule }) => rule);
  }

  isAllowed(identity: AuthzIdentity): boolean {
    const prepared = prepareIdentity(identity);
    if (prepared === null) return false;
    const decisive = this.#rules.find(({ pattern }) => pattern.matches(prepared));
    return (decisive?.rule.policy ?? this.policy) === 'allow';
  }
}
