/**
 * Distinguished names in RFC 4514 string form: parse into RDNs of unescaped
 * attribute values, and write back in one canonical form. Authorization
 * compares DNs structurally on the parsed form, so an escaped `\,` inside a
 * value can never be mistaken for an RDN separator.
 *
 * Leniency beyond RFC 4514 (as RFC 1779 and LDAPv2 allowed): unescaped spaces
 * around `,`, `+` and `=` are ignored, so `cn=alice, o=Example` parses. Still
 * rejected: unescaped `"`, `;`, `<`, `>` and NUL in values, and `#hex` (BER)
 * values.
 */
import { canonicalAttributeType } from './dn-types';
import { CryptoError, CryptoErrorCode } from './errors';

export interface DnAttribute {
  /** Canonical type: `CN`, `O`, `EMAIL`, … or a dotted-decimal OID. */
  readonly type: string;
  /** The unescaped value. */
  readonly value: string;
}

/** A relative distinguished name: one or more attributes (`+`-joined). */
export type Rdn = readonly DnAttribute[];

/** RFC 4514 order: the most specific RDN (usually CN) first. */
export type Dn = readonly Rdn[];

const TYPE_CHARS = /[A-Za-z0-9.-]/;
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;
/** Characters that may follow a backslash as themselves (RFC 4514 `special`). */
const ESCAPABLE = new Set(['"', '+', ',', ';', '<', '>', '\\', ' ', '#', '=']);
/** Characters that RFC 4514 forbids unescaped in a value. */
const MUST_ESCAPE = new Set(['"', ';', '<', '>', '\0']);
const MAX_QUOTED_INPUT = 200;

export function parseDn(text: string): Dn {
  return new DnParser(text).parse();
}

/**
 * Canonical RFC 4514 text: canonical types, attributes of a multi-valued RDN
 * sorted by type then value, minimal escaping (plus `\XX` for control
 * characters, so a DN never spans lines in a log).
 */
export function formatDn(dn: Dn): string {
  return dn.map(formatRdn).join(',');
}

export function canonicalDn(text: string): string {
  return formatDn(parseDn(text));
}

function formatRdn(rdn: Rdn, index: number): string {
  if (rdn.length === 0) {
    throw new CryptoError(CryptoErrorCode.DN_INVALID, `cannot format DN: RDN ${index} has no attributes`);
  }
  const attributes = rdn.map(({ type, value }) => {
    const canonical = canonicalAttributeType(type);
    if (canonical === undefined) {
      throw new CryptoError(
        CryptoErrorCode.DN_INVALID,
        `cannot format DN: attribute type ${JSON.stringify(type)} in RDN ${index} is neither a keyword nor an OID`,
      );
    }
    return { type: canonical, value };
  });
  attributes.sort((a, b) => compare(a.type, b.type) || compare(a.value, b.value));
  return attributes.map(({ type, value }) => `${type}=${escapeValue(value)}`).join('+');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function escapeValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value.charAt(i);
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) {
      out += `\\${code.toString(16).toUpperCase().padStart(2, '0')}`;
    } else if ('\\"+,;<>'.includes(ch)) {
      out += `\\${ch}`;
    } else if ((i === 0 && (ch === '#' || ch === ' ')) || (i === value.length - 1 && ch === ' ')) {
      out += `\\${ch}`;
    } else {
      out += ch;
    }
  }
  return out;
}

class DnParser {
  #pos = 0;

  constructor(private readonly text: string) {}

  parse(): Dn {
    const rdns: Rdn[] = [];
    this.#skipSpaces();
    if (this.#pos === this.text.length) return rdns;
    for (;;) {
      rdns.push(this.#parseRdn());
      if (this.#pos === this.text.length) return rdns;
      this.#pos++; // the ',' that ended the RDN
    }
  }

  #parseRdn(): Rdn {
    const attributes: DnAttribute[] = [];
    for (;;) {
      this.#skipSpaces();
      const type = this.#parseType();
      this.#skipSpaces();
      if (this.text.charAt(this.#pos) !== '=') this.#fail(`expected '=' after attribute type ${type}`);
      this.#pos++;
      this.#skipSpaces();
      attributes.push({ type, value: this.#parseValue(type) });
      if (this.text.charAt(this.#pos) !== '+') return attributes;
      this.#pos++;
    }
  }

  #parseType(): string {
    const start = this.#pos;
    while (this.#pos < this.text.length && TYPE_CHARS.test(this.text.charAt(this.#pos))) this.#pos++;
    const raw = this.text.slice(start, this.#pos);
    if (raw === '') this.#fail('expected an attribute type', start);
    const type = canonicalAttributeType(raw);
    if (type === undefined) {
      this.#fail(`attribute type ${JSON.stringify(raw)} is neither a keyword nor a dotted-decimal OID`, start);
    }
    return type;
  }

  /** Reads up to an unescaped `,` or `+`; unescaped trailing spaces are dropped. */
  #parseValue(type: string): string {
    const start = this.#pos;
    if (this.text.charAt(this.#pos) === '#') {
      this.#fail(`BER-encoded value (#hex) of ${type} is not supported; write a string, or '\\#' for a literal '#'`);
    }
    const bytes: number[] = [];
    let significant = 0; // bytes up to the last character that is not an unescaped space
    while (this.#pos < this.text.length) {
      const ch = this.text.charAt(this.#pos);
      if (ch === ',' || ch === '+') break;
      if (ch === '\\') {
        this.#parseEscape(bytes);
        significant = bytes.length;
        continue;
      }
      if (MUST_ESCAPE.has(ch)) {
        const shown = ch === '\0' ? 'NUL' : `'${ch}'`;
        this.#fail(`unescaped ${shown} in the value of ${type} (write it as '\\${ch === '\0' ? '00' : ch}')`);
      }
      const code = this.text.codePointAt(this.#pos) ?? 0;
      if (code >= 0xd800 && code <= 0xdfff) this.#fail(`unpaired UTF-16 surrogate in the value of ${type}`);
      const encoded = Buffer.from(String.fromCodePoint(code), 'utf8');
      bytes.push(...encoded);
      if (ch !== ' ') significant = bytes.length;
      this.#pos += code > 0xffff ? 2 : 1;
    }
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(
        Uint8Array.from(bytes.slice(0, significant)),
      );
    } catch (cause) {
      return this.#fail(`the value of ${type} is not valid UTF-8 (check its \\XX escapes)`, start, cause);
    }
  }

  #parseEscape(bytes: number[]): void {
    const next = this.text.charAt(this.#pos + 1);
    const pair = this.text.slice(this.#pos + 1, this.#pos + 3);
    if (HEX_PAIR.test(pair)) {
      bytes.push(Number.parseInt(pair, 16));
      this.#pos += 3;
    } else if (ESCAPABLE.has(next)) {
      bytes.push(next.charCodeAt(0));
      this.#pos += 2;
    } else if (next === '') {
      this.#fail('the DN ends with a lone backslash');
    } else {
      this.#fail(`invalid escape '\\${next}': a backslash must be followed by one of "+,;<>\\ #= or two hex digits`);
    }
  }

  #skipSpaces(): void {
    while (this.text.charAt(this.#pos) === ' ') this.#pos++;
  }

  #fail(reason: string, position = this.#pos, cause?: unknown): never {
    const quoted =
      this.text.length > MAX_QUOTED_INPUT
        ? `${JSON.stringify(this.text.slice(0, MAX_QUOTED_INPUT))}…`
        : JSON.stringify(this.text);
    throw new CryptoError(
      CryptoErrorCode.DN_INVALID,
      `invalid DN ${quoted} at offset ${position}: ${reason}`,
      cause === undefined ? undefined : { cause },
    );
  }
}
