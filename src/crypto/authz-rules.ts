/**
 * Rule lists of QEMU's authz-list / authz-listfile, and their validation.
 * Input is `unknown` because rules come from JSON files and command lines as
 * well as from typed code; every problem names its source, rule index and
 * field. Unknown fields are rejected so that a misspelt `"fromat"` is not
 * silently ignored.
 */
import { CryptoError, CryptoErrorCode } from './errors';

export const AUTHZ_POLICIES = ['allow', 'deny'] as const;
export type AuthzPolicy = (typeof AUTHZ_POLICIES)[number];

export const AUTHZ_FORMATS = ['exact', 'glob'] as const;
export type AuthzFormat = (typeof AUTHZ_FORMATS)[number];

export interface AuthzRule {
  /** A username, or an RFC 4514 DN for certificate identities. */
  readonly match: string;
  readonly policy: AuthzPolicy;
  /** `exact` (default) or `glob` (`*` any run, `?` one character). */
  readonly format?: AuthzFormat;
}

export interface AuthzListConfig {
  readonly rules: readonly AuthzRule[];
  /** Applies when no rule matches; QEMU's default is deny. */
  readonly policy: AuthzPolicy;
}

const LIST_FIELDS = ['rules', 'policy'] as const;
const RULE_FIELDS = ['match', 'policy', 'format'] as const;

/** Validates `{ rules?, policy? }`; `source` prefixes every message (e.g. the file name). */
export function validateAuthzListConfig(input: unknown, source: string): AuthzListConfig {
  const fail = (message: string): never => {
    throw new CryptoError(CryptoErrorCode.AUTHZ_INVALID, `${source}: ${message}`);
  };
  if (!isRecord(input)) fail(`expected an object with "rules" and "policy", got ${describe(input)}`);
  const list = input as Record<string, unknown>;
  rejectUnknownFields(list, LIST_FIELDS, '', fail);

  const policy = list['policy'] === undefined ? 'deny' : oneOf(list['policy'], AUTHZ_POLICIES, '"policy"', fail);
  const rawRules = list['rules'] ?? [];
  if (!Array.isArray(rawRules)) return fail(`"rules" must be an array, got ${describe(rawRules)}`);

  const rules = rawRules.map((raw: unknown, index): AuthzRule => {
    const where = `rule ${index}`;
    if (!isRecord(raw)) return fail(`${where} must be an object, got ${describe(raw)}`);
    rejectUnknownFields(raw, RULE_FIELDS, `${where}: `, fail);
    const match = raw['match'];
    if (match === undefined) return fail(`${where}: "match" is missing`);
    if (typeof match !== 'string') return fail(`${where}: "match" must be a string, got ${describe(match)}`);
    if (match === '') return fail(`${where}: "match" must not be empty`);
    if (raw['policy'] === undefined) return fail(`${where}: "policy" is missing (use "allow" or "deny")`);
    const rulePolicy = oneOf(raw['policy'], AUTHZ_POLICIES, `${where}: "policy"`, fail);
    if (raw['format'] === undefined) return { match, policy: rulePolicy };
    return { match, policy: rulePolicy, format: oneOf(raw['format'], AUTHZ_FORMATS, `${where}: "format"`, fail) };
  });
  return { rules, policy };
}

function oneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  what: string,
  fail: (message: string) => never,
): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) {
    fail(`${what} must be ${allowed.map((a) => JSON.stringify(a)).join(' or ')}, got ${describe(value)}`);
  }
  return found as T;
}

function rejectUnknownFields(
  record: Record<string, unknown>,
  known: readonly string[],
  prefix: string,
  fail: (message: string) => never,
): void {
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) {
      fail(`${prefix}unknown field ${JSON.stringify(key)} (known: ${known.map((k) => `"${k}"`).join(', ')})`);
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
