import { SecretStore } from '../../../src/crypto';
import { addObject } from '../../../bin/objects';
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
    ['localhost:0', { listen: [[{ host: 'localhost', port: 5900 }]], password: false }],
    [':1', { listen: [[{ host: '0.0.0.0', port: 5901 }]], password: false }],
    ['[::1]:3', { listen: [[{ host: '::1', port: 5903 }]], password: false }],
    ['unix:/run/vnc.sock', { listen: [[{ path: '/run/vnc.sock' }]], password: false }],
    ['none', { listen: [], password: false }],
    ['0.0.0.0:1,password=on', { listen: [[{ host: '0.0.0.0', port: 5901 }]], password: true }],
    [
      '127.0.0.1:2,to=4,password-secret=sec0,share=force-shared,connections=4,id=vm1',
      {
        listen: [[{ host: '127.0.0.1', port: 5902 }], [{ host: '127.0.0.1', port: 5903 }], [{ host: '127.0.0.1', port: 5904 }]],
        password: false,
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
    [':0,share=bogus', "--vnc :0,share=bogus: 'share' must be one of allow-exclusive, force-shared, ignore, not 'bogus'"],
    [':0,password=maybe', "--vnc :0,password=maybe: 'password' must be on or off, not 'maybe'"],
    [':0,connections=0', "--vnc :0,connections=0: 'connections' must be a whole number from 1 to 65535, not '0'"],
    [':0,frobnicate=1', "--vnc :0,frobnicate=1: unknown option 'frobnicate' (accepted: vnc, to, password, password-secret"],
    [':0,sasl=on', "--vnc :0,sasl=on: 'sasl' is not supported by this version of vncd"],
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
    const secrets = new SecretStore();
    addObject('secret,id=plain,data=letmein', secrets);
    addObject(`secret,id=key,data=${Buffer.alloc(32, 7).toString('base64')},format=base64`, secrets);
    // AES-256-CBC of "letmein" under that key and a zero IV, computed with openssl enc.
    addObject('secret,id=pw,data=jmL9X8Iyf3Qoin6VroyMYw==,keyid=key,iv=AAAAAAAAAAAAAAAAAAAAAA==', secrets);
    expect(secrets.getText('plain')).toBe('letmein');
    expect(secrets.getText('pw')).toBe('letmein');
  });

  it.each([
    ['secret,data=x', '--object secret,data=x: a secret needs an id'],
    ['secret,id=s,data=x,colour=red', "unknown option 'colour'"],
    ['secret,id=s,data=x,format=hex', "'format' must be one of raw, base64, not 'hex'"],
    ['tls-creds-x509,id=tls0,dir=/etc/pki', "object type 'tls-creds-x509' is not supported by this version of vncd"],
    ['frob,id=x', "unknown object type 'frob' (accepted: secret)"],
  ])('refuses %s', (text, message) => {
    expect(() => addObject(text, new SecretStore())).toThrow(message);
  });
});
