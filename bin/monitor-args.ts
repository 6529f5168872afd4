/**
 * QMP errors and the checking of command arguments, with messages in QEMU's
 * words ("Parameter 'time' is missing") that also say what is accepted.
 */

/** QMP's error classes (QEMU's QapiErrorClass) that the monitor uses. */
export type QmpErrorClass = 'GenericError' | 'CommandNotFound' | 'DeviceNotFound';

/** A command failure, answered as `{"error": {"class": …, "desc": …}}`. */
export class QmpError extends Error {
  override readonly name = 'QmpError';

  constructor(
    readonly errorClass: QmpErrorClass,
    desc: string,
  ) {
    super(desc);
  }
}

export type Arguments = Readonly<Record<string, unknown>>;

/** Reads a command's arguments; `finish()` refuses any argument nobody asked for. */
export class ArgumentReader {
  private readonly known: string[] = [];

  constructor(private readonly args: Arguments) {}

  string(name: string): string | undefined {
    this.known.push(name);
    const value = this.args[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw invalidType(name, 'string');
    return value;
  }

  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined) throw missing(name);
    return value;
  }

  bool(name: string): boolean | undefined {
    this.known.push(name);
    const value = this.args[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') throw invalidType(name, 'boolean');
    return value;
  }

  /** A whole number from `min` to `max`. */
  integer(name: string, min: number, max: number): number | undefined {
    this.known.push(name);
    const value = this.args[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidType(name, 'integer');
    if (value < min || value > max) {
      throw new QmpError('GenericError', `Parameter '${name}' expects a whole number from ${min} to ${max}, not ${value}`);
    }
    return value;
  }

  requiredInteger(name: string, min: number, max: number): number {
    const value = this.integer(name, min, max);
    if (value === undefined) throw missing(name);
    return value;
  }

  choice<T extends string>(name: string, choices: readonly T[]): T | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const found = choices.find((choice) => choice === value);
    if (found === undefined) throw badValue(name, value, choices.join(', '));
    return found;
  }

  requiredChoice<T extends string>(name: string, choices: readonly T[]): T {
    const value = this.choice(name, choices);
    if (value === undefined) throw missing(name);
    return value;
  }

  /** A list of strings, each one of `choices`. */
  choiceList<T extends string>(name: string, choices: readonly T[]): T[] | undefined {
    this.known.push(name);
    const value = this.args[name];
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) throw invalidType(name, 'array');
    return value.map((item: unknown, index) => {
      if (typeof item !== 'string') throw invalidType(`${name}[${index}]`, 'string');
      const found = choices.find((choice) => choice === item);
      if (found === undefined) throw badValue(`${name}[${index}]`, item, choices.join(', ') || 'none');
      return found;
    });
  }

  finish(): void {
    for (const name of Object.keys(this.args)) {
      if (!this.known.includes(name)) {
        const accepted = this.known.length === 0 ? 'this command takes no arguments' : `accepted: ${this.known.join(', ')}`;
        throw new QmpError('GenericError', `Parameter '${name}' is unexpected (${accepted})`);
      }
    }
  }
}

export function missing(name: string): QmpError {
  return new QmpError('GenericError', `Parameter '${name}' is missing`);
}

export function invalidType(name: string, expected: string): QmpError {
  return new QmpError('GenericError', `Invalid parameter type for '${name}', expected: ${expected}`);
}

export function badValue(name: string, value: string, accepted: string): QmpError {
  return new QmpError('GenericError', `Parameter '${name}' does not accept value '${value}' (accepted: ${accepted})`);
}
