#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const usage = `Usage: vncd [--help] [--version]

vncd is a VNC (RFB) server. This build carries the foundation layers
(crypto and io); serving a display from the command line arrives with
the RFB server core.

  --help       show this text
  --version    print the version
`;

function version(): string {
  const pkg: unknown = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg ? String(pkg.version) : 'unknown';
}

function main(argv: readonly string[]): number {
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(usage);
      return 0;
    }
    if (arg === '--version' || arg === '-V') {
      process.stdout.write(`vncd ${version()}\n`);
      return 0;
    }
    process.stderr.write(`vncd: unknown option '${arg}' (see vncd --help)\n`);
    return 2;
  }
  process.stdout.write(usage);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
