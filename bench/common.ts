/** Small helpers shared by the benchmark scripts. */

/**
 * `--name value`, `--name=value` and bare `--flag` arguments. Unknown names
 * fail, so a typo does not silently run the default benchmark.
 */
export function parseFlags(argv: readonly string[], valued: readonly string[], bare: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    const name = match?.[1] ?? '';
    if (bare.includes(name) && match?.[2] === undefined) {
      out.set(name, 'on');
    } else if (valued.includes(name)) {
      const value = match?.[2] ?? argv[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      out.set(name, value);
    } else {
      throw new Error(`unknown argument '${arg}' (options: ${[...valued, ...bare].map((n) => `--${n}`).join(' ')})`);
    }
  }
  return out;
}

/** A markdown table with columns padded to line up in a terminal too. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${widths.map((w, i) => (cells[i] ?? '').padEnd(w)).join(' | ')} |\n`;
  return line(header) + line(widths.map((w) => '-'.repeat(w))) + rows.map(line).join('');
}
