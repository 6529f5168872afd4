import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// These tests look at the built package (`npm test` builds before jest runs), the
// way a user who installed vncd sees it: through its `exports` map only.
const root = resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
  bin: Record<string, string>;
};

describe('the built package', () => {
  let consumer: string;

  beforeAll(() => {
    if (!existsSync(join(root, 'dist', 'src', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
    consumer = mkdtempSync(join(tmpdir(), 'vncd-consumer-'));
    mkdirSync(join(consumer, 'node_modules'));
    symlinkSync(root, join(consumer, 'node_modules', 'vncd'), 'dir');
  });
  afterAll(() => rmSync(consumer, { recursive: true, force: true }));

  function run(file: string, source: string): string {
    writeFileSync(join(consumer, file), source);
    return execFileSync(process.execPath, [file], { cwd: consumer, encoding: 'utf8' }).trim();
  }

  it('has a types file and a module for every subpath export', () => {
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue;
      expect([subpath, existsSync(join(root, target.types))]).toEqual([subpath, true]);
      expect([subpath, existsSync(join(root, target.default))]).toEqual([subpath, true]);
    }
  });

  it('lets a CommonJS user require the crypto layer on its own and compute a VNC DES response', () => {
    const out = run(
      'use.cjs',
      `const crypto = require('vncd/crypto');
       const response = crypto.vncAuthResponse('secret', Buffer.from('00112233445566778899aabbccddeeff', 'hex'));
       console.log(response.toString('hex'), crypto.cipherSupports('aes-256', 'cbc'), typeof require('vncd/io').Listener);`,
    );
    expect(out).toBe('f19b50471f60f42298e5c0147db50e1e true function');
  });

  it('lets an ES module user import the root and the subpaths', () => {
    const out = run(
      'use.mjs',
      `import * as root from 'vncd';
       import { hashDigest } from 'vncd/crypto';
       import { createChannelPair } from 'vncd/io';
       import { Encoding } from 'vncd/vnc';
       console.log(hashDigest('sha256', [Buffer.from('ab'), Buffer.from('c')], 'hex').slice(0, 16),
         typeof createChannelPair, Encoding.ZRLE, typeof root.VncdError);`,
    );
    expect(out).toBe('ba7816bf8f01cfea function 16 function');
  });

  it('hides internal modules behind the exports map', () => {
    expect(() => run('internal.cjs', `require('vncd/dist/src/crypto/cipher.js')`)).toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });

  it('runs the vncd command', () => {
    const bin = join(root, pkg.bin.vncd ?? '');
    expect(execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8' })).toMatch(/^vncd \d+\.\d+\.\d+\n$/);
  });

  it('never needs canvas at run time: it is not a dependency and no library file loads it', () => {
    expect(Object.keys(pkg.dependencies ?? {})).not.toContain('canvas');
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.js') && /require\("canvas"\)/.test(readFileSync(path, 'utf8'))) offenders.push(path);
      }
    };
    walk(join(root, 'dist', 'src'));
    expect(offenders).toEqual([]);
  });
});
