import { Objects } from '../../../bin/objects';
import { parseQemuOpts } from '../../../bin/qemu-opts';
import { parseVncOption } from '../../../bin/vnc-option';

describe('QEMU option grammar', () => {
  it.each([
    ['localhost:0', { vnc: 'localhost:0' }],
    ['x,a=1,b', { vnc: 'x', a: '1', b: 'on' }],
    ['x,id=a,,b,,,c=d', { vnc: 'x', id: 'a,b,', c: 'd' }],
    ['x,path=/tmp/a=b', { vnc: 'x', path: '/tmp/a=b' }],
  ])('%s', (text, expected) => {
    expect(Object.fromEntries(parseQemuOpts(text, 'vnc', '--vnc').values)).toEqual(expected);
  });

  it('rejects a key given twice and an empty key', () => {
    expect(() => parseQemuOpts('x,a=1,a=2', 'vnc', '--vnc x')).toThrow("--vnc x: 'a' is given twice");
    expect(() => parseQemuOpts('x,=1', 'vnc', '--vnc x')).toThrow('empty option name');
  });
});

describe('--vnc', () => {
  it.each([
    ['localhost:0', { listen: [[{ host: 'localhost', port: 5900 }]], password: false, lossy: false }],
    [':1', { listen: [[{ host: '0.0.0.0', port: 5901 }]], password: false, lossy: false }],
    ['[::1]:3', { listen: [[{ host: '::1', port: 5903 }]], password: false, lossy: false }],
    ['unix:/run/vnc.sock', { listen: [[{ path: '/run/vnc.sock' }]], password: false, lossy: false }],
    ['none', { listen: [], password: false, lossy: false }],
    ['0.0.0.0:1,password=on,lossy=on', { listen: [[{ host: '0.0.0.0', port: 5901 }]], password: true, lossy: true }],
    [
      '127.0.0.1:2,to=4,password-secret=sec0,share=force-shared,connections=4,id=vm1',
      {
        listen: [[{ host: '127.0.0.1', port: 5902 }], [{ host: '127.0.0.1', port: 5903 }], [{ host: '127.0.0.1', port: 5904 }]],
        password: false,
        lossy: false,
        passwordSecret: 'sec0',
        share: 'force-shared',
        connections: 4,
        id: 'vm1',
      },
    ],
  ])('accepts %s', (text, expected) => {
    expect(parseVncOption(text)).toEqual(expected);
  });

  it.each([
    ['localhost:0,power-control=on,key-delay-ms=20', { powerControl: true, keyDelayMs: 20 }],
    ['localhost:0,power-control,key-delay-ms=0', { powerControl: true, keyDelayMs: 0 }],
    ['localhost:0,power-control=off,key-delay-ms=10000', { powerControl: false, keyDelayMs: 10000 }],
  ])('reads QEMU power-control and key-delay-ms: %s', (text, expected) => {
    expect(parseVncOption(text)).toEqual({ listen: [[{ host: 'localhost', port: 5900 }]], password: false, lossy: false, ...expected });
  });

  it.each([
    ['localhost:0,websocket', 'display'],
    ['localhost:0,websocket=on', 'display'],
    [':0,websocket=5700', { port: 5700 }],
    [':0,websocket=127.0.0.1:5701', { host: '127.0.0.1', port: 5701 }],
    [':0,websocket=[::1]:5702', { host: '::1', port: 5702 }],
    [':0,websocket=off', undefined],
  ])('reads QEMU websocket syntax: %s', (text, websocket) => {
    expect(parseVncOption(text).websocket).toEqual(websocket);
  });

  it.each([
    [':0,websocket=99999', "'websocket' must be on, PORT or HOST:PORT, not '99999'"],
    [':0,share=bogus', "--vnc :0,share=bogus: 'share' must be one of allow-exclusive, force-shared, ignore, not 'bogus'"],
    [':0,password=maybe', "--vnc :0,password=maybe: 'password' must be on or off, not 'maybe'"],
    [':0,connections=0', "--vnc :0,connections=0: 'connections' must be a whole number from 1 to 65535, not '0'"],
    [':0,frobnicate=1', "--vnc :0,frobnicate=1: unknown option 'frobnicate' (accepted: vnc, to, password, lossy, password-secret, share, connections, id, tls-creds, tls-authz, vencrypt, plain-authz, websocket, power-control, key-delay-ms)"],
    [':0,sasl=on', "--vnc :0,sasl=on: 'sasl' is not supported by this version of vncd"],
    [':0,power-control=maybe', "--vnc :0,power-control=maybe: 'power-control' must be on or off, not 'maybe'"],
    [':0,key-delay-ms=10001', "--vnc :0,key-delay-ms=10001: 'key-delay-ms' must be a whole number from 0 to 10000, not '10001'"],
    [':0,key-delay-ms=-5', "'key-delay-ms' must be a whole number from 0 to 10000, not '-5'"],
    [':0,key-delay-ms=2.5', "'key-delay-ms' must be a whole number from 0 to 10000, not '2.5'"],
    [':0,vencrypt=x509-plain:tls-sasl', "'vencrypt' takes sub-types separated by ':' from plain, tls-none, tls-vnc, tls-plain, x509-none, x509-vnc, x509-plain, not 'tls-sasl'"],
    [':70000', "the address must be HOST:DISPLAY (display 0 to 59635, port 5900+DISPLAY), unix:PATH or none, not ':70000'"],
    ['localhost', "not 'localhost'"],
    [':5,to=2', "--vnc :5,to=2: 'to' (2) is below the display number (5)"],
    ['unix:', '--vnc unix:: unix: needs a socket path'],
  ])('refuses %s', (text, message) => {
    expect(() => parseVncOption(text)).toThrow(message);
  });
});

describe('--object', () => {
  it('adds secrets, including an encrypted one, in QEMU syntax', () => {
    const objects = new Objects();
    objects.add('secret,id=plain,data=letmein');
    objects.add(`secret,id=key,data=${Buffer.alloc(32, 7).toString('base64')},format=base64`);
    // AES-256-CBC of "letmein" under that key and a zero IV, computed with openssl enc.
    objects.add('secret,id=pw,data=jmL9X8Iyf3Qoin6VroyMYw==,keyid=key,iv=AAAAAAAAAAAAAAAAAAAAAA==');
    expect(objects.secrets.getText('plain')).toBe('letmein');
    expect(objects.secrets.getText('pw')).toBe('letmein');
  });

  it.each([
    ['secret,data=x', '--object secret,data=x: an object needs an id'],
    ['secret,id=s,data=x,colour=red', "unknown option 'colour'"],
    ['secret,id=s,data=x,format=hex', "'format' must be one of raw, base64, not 'hex'"],
    ['tls-creds-x509,id=tls0', "--object tls-creds-x509,id=tls0: 'dir' is required"],
    ['tls-creds-anon,id=a,endpoint=middle', "'endpoint' must be one of server, client, not 'middle'"],
    ['authz-list,id=z,rules.0.match=CN=bob', 'rules.0.policy is required (allow or deny)'],
    ['vnc-plain-user,id=alice,password-secret=nope', "no secret with id 'nope'"],
    ['frob,id=x', "unknown object type 'frob' (accepted: secret, tls-creds-x509, tls-creds-anon, authz-simple, authz-list, authz-listfile, vnc-plain-user)"],
  ])('refuses %s', (text, message) => {
    expect(() => new Objects().add(text)).toThrow(message);
  });

  it('creates anonymous TLS credentials and authz lists in QEMU syntax, and refuses a reused id', () => {
    const objects = new Objects();
    objects.add('tls-creds-anon,id=anon0,endpoint=server');
    objects.add('authz-list,id=auth0,policy=deny,rules.0.match=CN=*,,O=Example,rules.0.policy=allow,rules.0.format=glob');
    expect(objects.creds('anon0', 'x').kind).toBe('anon');
    const authz = objects.authzFor('auth0', 'x');
    expect(authz.isAllowed({ kind: 'x509-dname', dn: 'CN=alice,O=Example' })).toBe(true);
    expect(authz.isAllowed({ kind: 'x509-dname', dn: 'CN=alice,O=Other' })).toBe(false);
    expect(() => objects.add('secret,id=anon0,data=x')).toThrow("the id 'anon0' is already used");
    expect(() => objects.creds('nope', '--vnc :0')).toThrow("--vnc :0: no tls-creds object with id 'nope'");
  });
});
