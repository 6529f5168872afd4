/**
 * QEMU's option grammar (QemuOpts), as `-vnc` and `-object` use it:
 * `implied,key=value,flag,other=on` where the first element may omit its key
 * (it is the "implied" key), `,,` stands for a literal comma, and a bare key
 * means `key=on`.
 */
export interface ParsedOpts {
  readonly values: ReadonlyMap<string, string>;
}

export class OptionError extends Error {
  override readonly name = 'OptionError';
}

export function parseQemuOpts(text: string, impliedKey: string | undefined, option: string): ParsedOpts {
  const values = new Map<string, string>();
  const elements = splitElements(text);
  elements.forEach((element, index) => {
    const equals = element.indexOf('=');
    let key: string;
    let value: string;
    if (equals >= 0) {
      key = element.slice(0, equals);
      value = element.slice(equals + 1);
    } else if (index === 0 && impliedKey !== undefined) {
      key = impliedKey;
      value = element;
    } else {
      key = element;
      value = 'on';
    }
    if (key === '') throw new OptionError(`${option}: empty option name in '${text}'`);
    if (values.has(key)) throw new OptionError(`${option}: '${key}' is given twice`);
    values.set(key, value);
  });
  return { values };
}

/** Splits at single commas; `,,` is a comma inside a value. */
function splitElements(text: string): string[] {
  const elements: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const char = text.charAt(i);
    if (char !== ',') {
      current += char;
    } else if (text.charAt(i + 1) === ',') {
      current += ',';
      i++;
    } else {
      elements.push(current);
      current = '';
    }
  }
  elements.push(current);
  return elements.filter((element, index) => element !== '' || index === 0);
}

/** Reads typed values out of parsed options, with errors that name the option, the key and what is accepted. */
export class OptsReader {
  private readonly used = new Set<string>();

  constructor(
    private readonly parsed: ParsedOpts,
    private readonly option: string,
  ) {}

  /** Whether the key was given, without counting it as understood. */
  has(key: string): boolean {
    return this.parsed.values.has(key);
  }

  string(key: string): string | undefined {
    this.used.add(key);
    return this.parsed.values.get(key);
  }

  bool(key: string): boolean | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if (value === 'on' || value === 'yes' || value === 'true') return true;
    if (value === 'off' || value === 'no' || value === 'false') return false;
    throw new OptionError(`${this.option}: '${key}' must be on or off, not '${value}'`);
  }

  integer(key: string, min: number, max: number): number | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    const number = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(number >= min && number <= max)) {
      throw new OptionError(`${this.option}: '${key}' must be a whole number from ${min} to ${max}, not '${value}'`);
    }
    return number;
  }

  choice<T extends string>(key: string, choices: readonly T[]): T | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    const found = choices.find((choice) => choice === value);
    if (found === undefined) {
      throw new OptionError(`${this.option}: '${key}' must be one of ${choices.join(', ')}, not '${value}'`);
    }
    return found;
  }

  /** Fails on any key that nobody asked for, listing the accepted ones. */
  finish(): void {
    for (const key of this.parsed.values.keys()) {
      if (!this.used.has(key)) {
        throw new OptionError(`${this.option}: unknown option '${key}' (accepted: ${[...this.used].join(', ')})`);
      }
    }
  }
}

/** `{ key: value }` when the value was given, else `{}`: for building options objects without undefined fields. */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
