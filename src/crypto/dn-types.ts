/**
 * Attribute types of distinguished names: one canonical spelling per type so
 * that `cn`, `commonName` and `2.5.4.3` compare equal. Canonical names are
 * upper case; the email address is `EMAIL` (as gnutls prints it; `E` and
 * OpenSSL's `emailAddress` are accepted). Types not in this table stay as
 * written (keywords upper-cased, OIDs in dotted decimal), so such a keyword
 * and its OID do not compare equal.
 */

const ATTRIBUTE_TYPES = [
  { name: 'CN', oid: '2.5.4.3', aliases: ['commonName'] },
  { name: 'SN', oid: '2.5.4.4', aliases: ['surname'] },
  { name: 'SERIALNUMBER', oid: '2.5.4.5', aliases: [] },
  { name: 'C', oid: '2.5.4.6', aliases: ['countryName'] },
  { name: 'L', oid: '2.5.4.7', aliases: ['localityName'] },
  { name: 'ST', oid: '2.5.4.8', aliases: ['stateOrProvinceName', 'S'] },
  { name: 'STREET', oid: '2.5.4.9', aliases: ['streetAddress'] },
  { name: 'O', oid: '2.5.4.10', aliases: ['organizationName'] },
  { name: 'OU', oid: '2.5.4.11', aliases: ['organizationalUnitName'] },
  { name: 'TITLE', oid: '2.5.4.12', aliases: [] },
  { name: 'BUSINESSCATEGORY', oid: '2.5.4.15', aliases: [] },
  { name: 'POSTALCODE', oid: '2.5.4.17', aliases: [] },
  { name: 'GN', oid: '2.5.4.42', aliases: ['givenName'] },
  { name: 'INITIALS', oid: '2.5.4.43', aliases: [] },
  { name: 'GENERATIONQUALIFIER', oid: '2.5.4.44', aliases: [] },
  { name: 'DNQUALIFIER', oid: '2.5.4.46', aliases: [] },
  { name: 'PSEUDONYM', oid: '2.5.4.65', aliases: [] },
  { name: 'ORGANIZATIONIDENTIFIER', oid: '2.5.4.97', aliases: [] },
  { name: 'DC', oid: '0.9.2342.19200300.100.1.25', aliases: ['domainComponent'] },
  { name: 'UID', oid: '0.9.2342.19200300.100.1.1', aliases: ['userId'] },
  { name: 'EMAIL', oid: '1.2.840.113549.1.9.1', aliases: ['E', 'emailAddress'] },
  { name: 'JURISDICTIONL', oid: '1.3.6.1.4.1.311.60.2.1.1', aliases: [] },
  { name: 'JURISDICTIONST', oid: '1.3.6.1.4.1.311.60.2.1.2', aliases: [] },
  { name: 'JURISDICTIONC', oid: '1.3.6.1.4.1.311.60.2.1.3', aliases: [] },
] as const;

/** RFC 4512 `descr` and `numericoid` (no leading zeros in an arc). */
const KEYWORD = /^[A-Za-z][A-Za-z0-9-]*$/;
const NUMERIC_OID = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+$/;

function buildIndexes(): { byKeyword: ReadonlyMap<string, string>; byOid: ReadonlyMap<string, string> } {
  const byKeyword = new Map<string, string>();
  const byOid = new Map<string, string>();
  for (const entry of ATTRIBUTE_TYPES) {
    byOid.set(entry.oid, entry.name);
    byKeyword.set(entry.name.toLowerCase(), entry.name);
    for (const alias of entry.aliases) byKeyword.set(alias.toLowerCase(), entry.name);
  }
  return { byKeyword, byOid };
}

// Built once from a constant table and never changed afterwards.
const INDEXES = buildIndexes();

/**
 * The canonical spelling of an attribute type, or undefined if `type` is
 * neither a keyword nor a dotted-decimal OID.
 */
export function canonicalAttributeType(type: string): string | undefined {
  if (NUMERIC_OID.test(type)) return INDEXES.byOid.get(type) ?? type;
  if (KEYWORD.test(type)) return INDEXES.byKeyword.get(type.toLowerCase()) ?? type.toUpperCase();
  return undefined;
}

/** Canonical spelling for an OID read from a certificate. */
export function attributeTypeForOid(oid: string): string {
  return INDEXES.byOid.get(oid) ?? oid;
}
