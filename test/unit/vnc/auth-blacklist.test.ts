import { AuthBlacklist } from '../../../src/vnc/auth/blacklist';

describe('AuthBlacklist', () => {
  let now = 0;
  const list = (): AuthBlacklist => new AuthBlacklist({ now: () => now, maxEntries: 3 });

  beforeEach(() => {
    now = 1_000_000;
  });

  it('blocks an address for 10 s after five failures, doubling with each further failure', () => {
    const blacklist = list();
    for (let i = 0; i < 4; i++) blacklist.failed('10.0.0.1');
    expect(blacklist.blockedFor('10.0.0.1')).toBe(0);
    blacklist.failed('10.0.0.1');
    expect(blacklist.blockedFor('10.0.0.1')).toBe(10_000);
    now += 10_000;
    expect(blacklist.blockedFor('10.0.0.1')).toBe(0);
    blacklist.failed('10.0.0.1');
    expect(blacklist.blockedFor('10.0.0.1')).toBe(20_000);
    blacklist.failed('10.0.0.1');
    expect(blacklist.blockedFor('10.0.0.1')).toBe(40_000);
    expect(blacklist.blockedFor('10.0.0.2')).toBe(0);
  });

  it('forgets an address on success', () => {
    const blacklist = list();
    for (let i = 0; i < 5; i++) blacklist.failed('a');
    blacklist.succeeded('a');
    expect(blacklist.blockedFor('a')).toBe(0);
    blacklist.failed('a');
    expect(blacklist.blockedFor('a')).toBe(0);
  });

  it('remembers a bounded number of addresses, the oldest forgotten first', () => {
    const blacklist = list();
    for (const address of ['a', 'b', 'c', 'd']) for (let i = 0; i < 5; i++) blacklist.failed(address);
    expect(['a', 'b', 'c', 'd'].map((address) => blacklist.blockedFor(address) > 0)).toEqual([false, true, true, true]);
  });
});
