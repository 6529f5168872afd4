import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuthzIdentity } from '../../../src/crypto/authz';
import { AuthzListFile, type AuthzReloadInfo } from '../../../src/crypto/authz-listfile';
import { CryptoError, CryptoErrorCode } from '../../../src/crypto/errors';
import { cryptoError } from '../../helpers/crypto-error';

const user = (name: string): AuthzIdentity => ({ kind: 'username', name });
const dn = (text: string): AuthzIdentity => ({ kind: 'x509-dname', dn: text });

describe('AuthzListFile', () => {
  let dir: string;
  let file: string;
  const open: AuthzListFile[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vncd-authz-'));
    file = join(dir, 'acl.json');
  });
  afterEach(() => {
    for (const authz of open.splice(0)) authz.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function writeRules(target: string, allowed: string[], policy = 'deny'): void {
    writeFileSync(target, JSON.stringify({ rules: allowed.map((match) => ({ match, policy: 'allow' })), policy }));
  }

  function create(refresh = true): { authz: AuthzListFile; reloads: AuthzReloadInfo[]; errors: CryptoError[] } {
    const authz = new AuthzListFile({ filename: file, refresh, debounceMs: 10 });
    open.push(authz);
    const reloads: AuthzReloadInfo[] = [];
    const errors: CryptoError[] = [];
    authz.on('reload', (info) => reloads.push(info));
    authz.on('reloadError', (error) => errors.push(error));
    return { authz, reloads, errors };
  }

  async function waitFor(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  test('loads at creation', () => {
    writeFileSync(
      file,
      JSON.stringify({ rules: [{ match: 'CN=*,O=Admin', policy: 'allow', format: 'glob' }, { match: 'root', policy: 'deny' }], policy: 'allow' }),
    );
    const { authz } = create(false);
    expect(authz.loaded).toBe(true);
    expect(authz.watching).toBe(false);
    expect(authz.isAllowed(dn('CN=x,O=Admin'))).toBe(true);
    expect(authz.isAllowed(dn('CN=x\\,O=Admin'))).toBe(true); // default policy is allow here
    expect(authz.isAllowed(user('root'))).toBe(false);
  });

  test('creation errors name the file and the rule', () => {
    const missing = cryptoError(() => new AuthzListFile({ filename: file }));
    expect(missing.code).toBe(CryptoErrorCode.AUTHZ_READ);
    expect(missing.message).toMatch(/^authz file '.*\/acl\.json': cannot read: ENOENT: no such file or directory/);

    writeFileSync(file, '{ "rules": [ }');
    const json = cryptoError(() => new AuthzListFile({ filename: file }));
    expect(json.code).toBe(CryptoErrorCode.AUTHZ_INVALID);
    expect(json.message).toMatch(new RegExp(`^authz file '${file}': invalid JSON: Unexpected token '}'`));

    writeFileSync(file, JSON.stringify({ rules: [{ match: 'a', policy: 'allow' }, { match: 'b', policy: 'maybe' }] }));
    const rule = cryptoError(() => new AuthzListFile({ filename: file }));
    expect(rule.code).toBe(CryptoErrorCode.AUTHZ_INVALID);
    expect(rule.message).toBe(`authz file '${file}': rule 1: "policy" must be "allow" or "deny", got "maybe"`);

    const noDir = cryptoError(() => new AuthzListFile({ filename: join(dir, 'nodir', 'acl.json') }));
    expect(noDir.code).toBe(CryptoErrorCode.AUTHZ_READ);
  });

  test('re-reads the file when it is rewritten in place', async () => {
    writeRules(file, ['alice']);
    const { authz, reloads } = create();
    expect(authz.watching).toBe(true);
    expect(authz.isAllowed(user('bob'))).toBe(false);
    writeRules(file, ['alice', 'bob']);
    await waitFor(() => authz.isAllowed(user('bob')), 'bob to be allowed');
    expect(reloads.at(-1)).toEqual({ filename: file, rules: 2, policy: 'deny' });
  });

  test('sees an editor-style save: write a temporary file, rename it over', async () => {
    writeRules(file, ['alice']);
    const { authz, reloads } = create();
    const temp = join(dir, '.acl.json.swp');
    writeRules(temp, ['bob']);
    renameSync(temp, file);
    await waitFor(() => authz.isAllowed(user('bob')), 'bob to be allowed');
    expect(authz.isAllowed(user('alice'))).toBe(false);
    // A second rename-over still works: the watch is on the directory, not the old inode.
    writeRules(temp, ['carol']);
    renameSync(temp, file);
    await waitFor(() => authz.isAllowed(user('carol')), 'carol to be allowed');
    expect(reloads.length).toBeGreaterThanOrEqual(2);
  });

  test('fails closed on a broken file, and recovers when it is fixed', async () => {
    writeRules(file, ['alice', 'bob']);
    const { authz, errors, reloads } = create();
    expect(authz.isAllowed(user('alice'))).toBe(true);

    // The admin removes bob but leaves a typo: nobody may pass, bob included.
    writeFileSync(file, '{ "rules": [ { "match": "alice", "policy": "allow" }, ], "policy": "deny" }');
    await waitFor(() => errors.length > 0, 'a reloadError event');
    expect(authz.loaded).toBe(false);
    expect(authz.isAllowed(user('alice'))).toBe(false);
    expect(authz.isAllowed(user('bob'))).toBe(false);
    expect(errors[0]?.code).toBe(CryptoErrorCode.AUTHZ_INVALID);
    expect(errors[0]?.message).toMatch(new RegExp(`^authz file '${file}': invalid JSON`));

    const reloadsBefore = reloads.length;
    writeRules(file, ['alice']);
    await waitFor(() => authz.isAllowed(user('alice')), 'alice to be allowed again');
    expect(authz.loaded).toBe(true);
    expect(authz.isAllowed(user('bob'))).toBe(false);
    expect(reloads.length).toBeGreaterThan(reloadsBefore);
  });

  test('fails closed when the file is deleted, and on a bad rule', async () => {
    writeRules(file, ['alice']);
    const { authz, errors } = create();
    unlinkSync(file);
    await waitFor(() => errors.length > 0, 'a reloadError event');
    expect(errors[0]?.code).toBe(CryptoErrorCode.AUTHZ_READ);
    expect(authz.isAllowed(user('alice'))).toBe(false);

    writeRules(file, ['alice']);
    await waitFor(() => authz.isAllowed(user('alice')), 'alice to be allowed again');
    writeFileSync(file, JSON.stringify({ rules: [{ match: 'alice', policy: 'allow', format: 'regex' }] }));
    await waitFor(() => errors.length > 1, 'a second reloadError event');
    expect(errors[1]?.message).toBe(`authz file '${file}': rule 0: "format" must be "exact" or "glob", got "regex"`);
    expect(authz.isAllowed(user('alice'))).toBe(false);
  });

  test('reload() by hand: succeeds, or throws and fails closed', () => {
    writeRules(file, ['alice']);
    const { authz, reloads, errors } = create(false);
    writeRules(file, ['bob']);
    expect(authz.isAllowed(user('bob'))).toBe(false); // not watching
    authz.reload();
    expect(authz.isAllowed(user('bob'))).toBe(true);
    expect(reloads).toEqual([{ filename: file, rules: 1, policy: 'deny' }]);

    writeFileSync(file, 'nonsense');
    expect(() => authz.reload()).toThrow(/invalid JSON/);
    expect(authz.isAllowed(user('bob'))).toBe(false);
    expect(errors).toHaveLength(1);
  });

  test('close() stops watching; the rules last loaded stay', async () => {
    writeRules(file, ['alice']);
    const { authz, reloads } = create();
    authz.close();
    expect(authz.watching).toBe(false);
    writeRules(file, ['bob']);
    await new Promise((resolve) => setTimeout(resolve, 150)); // well past the 10 ms debounce
    expect(reloads).toHaveLength(0);
    expect(authz.isAllowed(user('alice'))).toBe(true);
    expect(authz.isAllowed(user('bob'))).toBe(false);
    authz.close(); // idempotent
  });

  test('close() cancels a pending reload', async () => {
    writeRules(file, ['alice']);
    const authz = new AuthzListFile({ filename: file, debounceMs: 100 });
    open.push(authz);
    const reloads: AuthzReloadInfo[] = [];
    authz.on('reload', (info) => reloads.push(info));
    writeRules(file, ['bob']);
    await new Promise((resolve) => setTimeout(resolve, 40)); // the event has arrived, the timer is pending
    authz.close();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(reloads).toHaveLength(0);
    expect(authz.isAllowed(user('bob'))).toBe(false);
  });
});
