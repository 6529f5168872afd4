/**
 * Static files on the web port: content types, 404, no way out of the served
 * directory, no listings, HEAD, redirects, keep-alive; over raw TCP.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StaticFiles, StreamChannel, WebsocketListener, contentTypeFor, createDuplexPair } from '../../../src/io';
import { RawClient, upgradeRequest } from './websocket-wire';

let dir = '';
let root = '';
let web: WebsocketListener;
let port = 0;
const clients: RawClient[] = [];
const BIG = Buffer.from(Array.from({ length: 3_000_000 }, (_, i) => (i * 31 + (i >> 8)) & 0xff));

const FILES: Readonly<Record<string, string>> = {
  'index.html': '<!doctype html><title>vncd</title>',
  'app.js': 'export const x = 1;\n',
  'mod.mjs': 'export default 2;\n',
  'style.css': 'body { margin: 0 }\n',
  'icon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  'pixel.png': '\x89PNG\r\n\x1a\n',
  'data.json': '{"a":1}',
  'code.wasm': '\0asm\x01\0\0\0',
  'notes.unknownext': 'bytes',
  'empty.txt': '',
  '.secret': 'hidden',
  'sub/page.html': '<p>sub</p>',
  'bare/file.txt': 'no index here',
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vncd-static-'));
  root = join(dir, 'root');
  for (const [name, content] of Object.entries(FILES)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), content, 'latin1');
  }
  writeFileSync(join(root, 'big.bin'), BIG);
  writeFileSync(join(dir, 'outside.txt'), 'private');
  symlinkSync(join(dir, 'outside.txt'), join(root, 'link-out.txt'));
  symlinkSync(join(root, 'app.js'), join(root, 'link-in.js'));
  writeFileSync(join(dir, 'single.txt'), 'one file');
  mkdirSync(join(dir, 'lib', 'core'), { recursive: true });
  writeFileSync(join(dir, 'lib', 'core', 'rfb.js'), 'export default class RFB {}\n');
  web = await WebsocketListener.listen(
    { host: '127.0.0.1', port: 0 },
    {
      files: new StaticFiles(
        [
          { urlPath: '/', fsPath: root },
          { urlPath: '/novnc/', fsPath: join(dir, 'lib') },
          { urlPath: '/one.txt', fsPath: join(dir, 'single.txt') },
        ],
        { index: ['vnc.html', 'index.html'] },
      ),
    },
  );
  const address = web.addresses[0];
  if (address === undefined || !('port' in address)) throw new Error('no TCP address');
  port = address.port;
});

afterAll(async () => {
  await web.close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

async function client(): Promise<RawClient> {
  const raw = await RawClient.connect(port);
  clients.push(raw);
  return raw;
}

async function get(path: string, method = 'GET', extra = ''): Promise<{ status: number; headers: Readonly<Record<string, string>>; body: Buffer }> {
  const raw = await client();
  raw.send(`${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${extra}\r\n`);
  const answer = await raw.readHttp();
  const body = method === 'HEAD' ? Buffer.alloc(0) : await raw.readBytes(Number(answer.headers['content-length'] ?? '0'));
  await raw.expectEnded();
  return { status: answer.status, headers: answer.headers, body };
}

describe('content types', () => {
  test.each([
    ['/index.html', 'text/html; charset=utf-8'],
    ['/app.js', 'text/javascript; charset=utf-8'],
    ['/mod.mjs', 'text/javascript; charset=utf-8'],
    ['/style.css', 'text/css; charset=utf-8'],
    ['/icon.svg', 'image/svg+xml'],
    ['/pixel.png', 'image/png'],
    ['/data.json', 'application/json; charset=utf-8'],
    ['/code.wasm', 'application/wasm'],
    ['/notes.unknownext', 'application/octet-stream'],
    ['/novnc/core/rfb.js', 'text/javascript; charset=utf-8'],
  ])('%s is served as %s, byte for byte', async (path, type) => {
    const answer = await get(path);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe(type);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    const expected = path.startsWith('/novnc/') ? 'export default class RFB {}\n' : (FILES[path.slice(1)] ?? '');
    expect(answer.body.toString('latin1')).toBe(expected);
    expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(expected, 'latin1'));
  });

  test('names are matched case-insensitively on the extension', () => {
    expect(contentTypeFor('A.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('noext')).toBe('application/octet-stream');
  });
});

describe('what is served', () => {
  test('/ serves the first index file that exists (vnc.html is absent here, so index.html)', async () => {
    const answer = await get('/');
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe(FILES['index.html']);
  });

  test('a single-file mapping serves exactly its URL', async () => {
    expect((await get('/one.txt')).body.toString()).toBe('one file');
    expect((await get('/one.txt/x')).status).toBe(404);
  });

  test('an empty file: 200 with Content-Length 0', async () => {
    const answer = await get('/empty.txt');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-length']).toBe('0');
  });

  test.each(['/missing.html', '/sub/missing.js', '/novnc/core/missing.js'])('%s: 404', async (path) => {
    expect((await get(path)).status).toBe(404);
  });

  test('a directory without an index: 404, never a listing', async () => {
    const answer = await get('/bare/');
    expect(answer.status).toBe(404);
    expect(answer.body.toString()).not.toMatch(/file\.txt/);
  });

  test('a directory without its slash is redirected (relative links need it)', async () => {
    const answer = await get('/sub?x=1');
    expect(answer.status).toBe(301);
    expect(answer.headers.location).toBe('/sub/');
    const mount = await get('/novnc');
    expect(mount.status).toBe(301);
    expect(mount.headers.location).toBe('/novnc/');
  });

  test('dotfiles are not served', async () => {
    expect((await get('/.secret')).status).toBe(404);
  });

  test('percent-encoded names are decoded', async () => {
    expect((await get('/app%2Ejs')).status).toBe(200);
  });
});

describe('no way out of the served directory', () => {
  test.each([
    '/../outside.txt',
    '/sub/../../outside.txt',
    '/%2e%2e/outside.txt',
    '/sub/..%2f..%2foutside.txt',
    '/sub/%2E%2E/%2E%2E/outside.txt',
    '/./app.js',
    '/novnc/../root/app.js',
    '/..%5coutside.txt',
    '/app.js%00.png',
    '/%ff',
  ])('%s: 403', async (path) => {
    const answer = await get(path);
    expect(answer.status).toBe(403);
    expect(answer.body.toString()).not.toMatch(/private/);
  });

  test('a symbolic link to a file outside: 403; one to a file inside: served', async () => {
    expect((await get('/link-out.txt')).status).toBe(403);
    expect((await get('/link-in.js')).body.toString()).toBe(FILES['app.js']);
  });
});

describe('methods and connections', () => {
  test('HEAD: the GET headers, no body (the next response on the connection follows at once)', async () => {
    const raw = await client();
    raw.send('HEAD /app.js HTTP/1.1\r\nHost: x\r\n\r\nGET /data.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const head = await raw.readHttp();
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(head.headers['content-length']).toBe(String(FILES['app.js']?.length));
    const next = await raw.readResponse();
    expect(next.statusLine).toBe('HTTP/1.1 200 OK');
    expect(next.body.toString()).toBe(FILES['data.json']);
    await raw.expectEnded();
  });

  test('keep-alive: several requests on one connection, 404s included', async () => {
    const raw = await client();
    for (const [path, status] of [['/app.js', 200], ['/nope', 404], ['/style.css', 200]] as const) {
      raw.send(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      const answer = await raw.readResponse();
      expect(answer.status).toBe(status);
      expect(answer.headers.connection).toBe('keep-alive');
    }
    expect(raw.isEnded).toBe(false);
  });

  test('a keep-alive connection may then upgrade', async () => {
    const raw = await client();
    raw.send('GET /app.js HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await raw.readResponse()).status).toBe(200);
    const opened = new Promise<void>((resolve) => web.once('channel', (channel) => {
      channel.close();
      resolve();
    }));
    raw.send(upgradeRequest('/websockify'));
    expect((await raw.readHttp()).status).toBe(101);
    await opened;
  });

  test('a 3 MB file arrives whole at the pace of a slow reader', async () => {
    const raw = await client();
    raw.socket.pause();
    raw.send('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    raw.socket.resume();
    const answer = await raw.readResponse(5000);
    expect(answer.headers['content-type']).toBe('application/octet-stream');
    expect(answer.body.equals(BIG)).toBe(true);
    raw.send('GET /app.js HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await raw.readResponse()).body.toString()).toBe(FILES['app.js']);
  });

  test('a kept-alive connection serving many files leaves no listeners behind', async () => {
    const [serverEnd, clientEnd] = createDuplexPair({ highWaterMark: 1024 });
    const local = new WebsocketListener({ files: [{ urlPath: '/', fsPath: root }] });
    local.serve(new StreamChannel(serverEnd, { kind: 'memory', layers: ['memory'] }));
    const raw = RawClient.over(clientEnd);
    clients.push(raw);
    const counts: number[] = [];
    for (let i = 0; i < 30; i++) {
      raw.send('GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n');
      expect((await raw.readResponse()).body.toString()).toBe(FILES['index.html']);
      counts.push(serverEnd.listenerCount('close') + serverEnd.listenerCount('drain') + serverEnd.listenerCount('error'));
    }
    expect(new Set(counts).size).toBe(1);
    await local.close();
  });

  test('HTTP/1.0 is served and closed', async () => {
    const raw = await client();
    raw.send('GET /app.js HTTP/1.0\r\n\r\n');
    const answer = await raw.readResponse();
    expect(answer.status).toBe(200);
    expect(answer.headers.connection).toBe('close');
    await raw.expectEnded();
  });

  test.each(['POST', 'PUT', 'DELETE', 'OPTIONS'])('%s: 405 with Allow: GET, HEAD', async (method) => {
    const answer = await get('/app.js', method);
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('GET, HEAD');
  });

  test('a GET with a body: 400', async () => {
    expect((await get('/app.js', 'GET', 'Content-Length: 3\r\n')).status).toBe(400);
  });
});

describe('StaticFiles options', () => {
  test.each([
    ['a missing directory', [{ urlPath: '/', fsPath: '/nonexistent/vncd' }], /cannot serve "\/nonexistent\/vncd" at \//],
    ['a file at a URL ending in /', [{ urlPath: '/x/', fsPath: __filename }], /needs a directory/],
    ['a directory at a URL without /', [{ urlPath: '/x', fsPath: __dirname }], /not a file/],
    ['a URL path with ..', [{ urlPath: '/a/../', fsPath: __dirname }], /no "\." or "\.\." segments/],
  ])('%s: IO_INVALID_OPTION', (_name, mounts, message) => {
    expect(() => new StaticFiles(mounts)).toThrow(expect.objectContaining({ code: 'IO_INVALID_OPTION', message: expect.stringMatching(message) }));
  });

  test('lookups name the file, its size and type', async () => {
    const files = new StaticFiles([{ urlPath: '/', fsPath: root }]);
    await expect(files.lookup('/app.js')).resolves.toMatchObject({ kind: 'file', size: FILES['app.js']?.length, contentType: 'text/javascript; charset=utf-8' });
    await expect(files.lookup('/')).resolves.toMatchObject({ kind: 'file', file: expect.stringMatching(/index\.html$/) });
    await expect(files.lookup('/../x')).resolves.toMatchObject({ kind: 'forbidden' });
  });
});
