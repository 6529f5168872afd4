#!/usr/bin/env node
import { errorMessage } from '../src/errors';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkCertificates, formatProblems } from '../src/crypto';
import { formatAddress, type ListenAddress, type SocketAddress } from '../src/io';
import { VncdError } from '../src/errors';
import { serveWeb, VncServer, type Logger, type VncWebServer } from '../src/vnc';
import { startMonitor } from './monitor';
import { parseMonitorOption } from './monitor-option';
import { Objects } from './objects';
import { OptionError } from './qemu-opts';
import { BENCH_SOURCE_HELP, openSource, type RunningSource } from './sources';
import { parseVncOption, type VncDisplayConfig } from './vnc-option';

/** The noVNC page shipped with vncd (web/ beside dist/). */
const WEB_ROOT = join(__dirname, '..', '..', 'web');

const usage = `Usage: vncd --vnc DISPLAY[,KEY=VALUE...] [--object TYPE,KEY=VALUE...]... [--source SOURCE]

Serves a display over VNC (RFB 3.3/3.7/3.8), with QEMU's option syntax.

  --vnc HOST:D[,...]      listen on HOST, port 5900+D ("localhost:0" is 127.0.0.1:5900
                          and ::1:5900; ":1" is every IPv4 address, port 5901)
        unix:PATH         listen on a UNIX socket
        none              no listener
      password=on         VNC password authentication; the password comes from
      password-secret=ID  the secret ID (without it every client is refused)
      share=POLICY        allow-exclusive (default), force-shared or ignore
      connections=N       most clients at once (default 32)
      to=L                if port 5900+D is taken, try the next ones up to 5900+L
      lossy=on            allow JPEG (Tight) for viewers that ask for a quality level
      power-control=on    offer xvp power requests (noVNC's Shutdown/Reboot/Reset) to
                          the source's 'power' listener; the built-in sources have
                          none, so viewers are told each request failed
      key-delay-ms=N      at least N ms (0 to 10000) between two key events of a
                          viewer, for guests that lose keys typed fast
      websocket[=[HOST:]PORT]
                          websockets for noVNC and the noVNC page on another port
                          (bare: 5700+D); wss when tls-creds is given. Several
                          --vnc on one port are served at /vnc/<id>
      tls-creds=ID        VeNCrypt with TLS (x509-none/x509-vnc, or tls-none/tls-vnc
                          for anonymous credentials, following password=)
      tls-authz=ID        allow-list for client certificate DNs
      vencrypt=SUB[:SUB]  name the VeNCrypt sub-types (plain, tls-plain, x509-plain...)
      plain-authz=ID      allow-list for Plain usernames
      id=NAME             the desktop name viewers show
  --object secret,id=ID,data=TEXT|file=PATH[,format=raw|base64][,keyid=KEY,iv=IV]
                          a secret (password) given as data or read from a file,
                          optionally AES-256-CBC encrypted with the secret KEY
  --object tls-creds-x509,id=ID,endpoint=server,dir=DIR[,verify-peer=on|off]
                          [,passwordid=SECRET][,priority=CIPHERS]
  --object tls-creds-anon,id=ID,endpoint=server
  --object authz-simple,id=ID,identity=NAME|DN
  --object authz-list,id=ID,policy=deny,rules.0.match=CN=*,,O=Corp,rules.0.policy=allow,rules.0.format=glob
  --object authz-listfile,id=ID,filename=FILE.json[,refresh=on]
  --object vnc-plain-user,id=NAME,password-secret=SECRET
                          a user for VeNCrypt Plain
  --monitor unix:PATH | tcp:127.0.0.1:PORT
                          a QMP-style JSON monitor: query-vnc, set_password,
                          expire_password, display-reload, events (docs/monitor.md)
  --source SOURCE         what to serve: pattern[:WxH] (default), image:FILE.png,
                          demo (the demo desktop; needs the canvas package), or a
                          benchmark workload: ${BENCH_SOURCE_HELP}
  --help, --version

  vncd check-certs --dir DIR [--endpoint server|client]
                          check certificates as tls-creds-x509 does, in plain words

Examples:
  vncd --vnc localhost:0,websocket --source demo        # noVNC at http://localhost:5700/vnc.html
  vncd --object tls-creds-x509,id=tls0,endpoint=server,dir=/etc/pki/vnc \\
       --vnc :0,tls-creds=tls0,password=on,websocket=5700     # X509Vnc, and wss for noVNC
  vncd --vnc localhost:0 --source image:screen.png
  vncd --object secret,id=pw,file=/etc/vncd/password \\
       --vnc :1,password-secret=pw,share=force-shared --source demo
  printf letmein | openssl enc -aes-256-cbc -a -K \$KEYHEX -iv \$IVHEX   # then:
  vncd --object secret,id=key,file=key.b64,format=base64 \\
       --object secret,id=pw,data=CIPHERTEXT,keyid=key,iv=IVBASE64 --vnc localhost:0,password-secret=pw
`;

interface Arguments {
  readonly vnc: string[];
  readonly objects: string[];
  source: string;
  monitor?: string;
}

function parseArguments(argv: readonly string[]): Arguments | 'help' | 'version' {
  const args: Arguments = { vnc: [], objects: [], source: 'pattern' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const equals = arg.indexOf('=');
    const [flag, inline] = arg.startsWith('-') && equals > 0 ? [arg.slice(0, equals), arg.slice(equals + 1)] : [arg, undefined];
    if (flag === '--help' || flag === '-h') return 'help';
    if (flag === '--version' || flag === '-V') return 'version';
    if (!['--vnc', '-vnc', '--object', '-object', '--source', '--monitor', '-monitor', '-qmp'].includes(flag)) {
      throw new OptionError(`unknown option '${arg}' (see vncd --help)`);
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new OptionError(`${flag} needs a value`);
    if (flag.endsWith('vnc')) args.vnc.push(value);
    else if (flag.endsWith('object')) args.objects.push(value);
    else if (flag.endsWith('monitor') || flag === '-qmp') args.monitor = value;
    else args.source = value;
  }
  if (args.vnc.length === 0) throw new OptionError('nothing to serve: give at least one --vnc (see vncd --help)');
  return args;
}

function version(): string {
  const pkg: unknown = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg ? String(pkg.version) : 'unknown';
}

const logger: Logger = {
  debug: (message) => (process.env.VNCD_DEBUG ? log(message) : undefined),
  info: log,
  warn: (message) => log(`warning: ${message}`),
  error: (message) => log(`error: ${message}`),
};

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString()} vncd: ${message}\n`);
}

/** Tries each candidate address set in turn (QEMU's `to=`): the first that is free wins. */
async function listen(server: VncServer, tries: readonly (readonly ListenAddress[])[]): Promise<readonly SocketAddress[]> {
  for (const [index, addresses] of tries.entries()) {
    try {
      return await server.listen(addresses);
    } catch (error) {
      const inUse = error instanceof VncdError && /EADDRINUSE/.test(`${error.message} ${String(error.cause)}`);
      if (!inUse || index === tries.length - 1) throw error;
    }
  }
  return [];
}

interface RunningDisplay {
  readonly config: VncDisplayConfig;
  readonly server: VncServer;
  readonly bound: readonly SocketAddress[];
}

async function startDisplay(config: VncDisplayConfig, objects: Objects, source: RunningSource): Promise<RunningDisplay> {
  const option = `--vnc ${config.id ?? ''}`.trim();
  const password = config.passwordSecret === undefined ? undefined : objects.secrets.getText(config.passwordSecret);
  const tlsAuthz = config.tlsAuthz === undefined ? undefined : objects.authzFor(config.tlsAuthz, option);
  const plainAuthz = config.plainAuthz === undefined ? undefined : objects.authzFor(config.plainAuthz, option);
  const server = new VncServer({
    display: source.display,
    auth: config.password || password !== undefined ? 'vnc' : 'none',
    ...(password !== undefined && { password }),
    ...(config.tlsCreds !== undefined && {
      tls: { creds: objects.creds(config.tlsCreds, option), ...(tlsAuthz && { authz: tlsAuthz }) },
    }),
    ...(config.vencrypt && { vencrypt: config.vencrypt }),
    plain: { users: objects.plainUsers, ...(plainAuthz && { authz: plainAuthz }) },
    ...(config.share && { share: config.share }),
    ...(config.connections !== undefined && { maxConnections: config.connections }),
    lossy: config.lossy,
    ...(config.powerControl !== undefined && { powerControl: config.powerControl }),
    ...(config.keyDelayMs !== undefined && { keyDelayMs: config.keyDelayMs }),
    logger,
  });
  const bound = await listen(server, config.listen);
  const where = bound.map(formatAddress).join(', ') || 'no address (none)';
  log(`serving "${source.display.name}" ${source.display.width}x${source.display.height} on ${where}, auth ${server.info().auth}`);
  const tcp = bound.find((address) => address.family === 'ipv4') ?? bound.find((address) => address.family === 'ipv6');
  if (tcp) log(`connect with a VNC viewer, e.g.: vncviewer ${formatAddress(tcp).replace(/:(\d+)$/, '::$1')}`);
  return { config, server, bound };
}

/** The websocket address of a display: its own, or 5700 + display number on the same host (QEMU's bare `websocket`). */
function websocketAddressOf({ config, bound }: RunningDisplay): { host: string; port: number } | undefined {
  const ws = config.websocket;
  if (ws === undefined) return undefined;
  const tcp = bound.find((address) => address.family === 'ipv4' || address.family === 'ipv6');
  const host = ws === 'display' || ws.host === undefined ? tcp && 'host' in tcp ? tcp.host : undefined : ws.host;
  if (ws !== 'display') return { host: host ?? '0.0.0.0', port: ws.port };
  if (!tcp || !('port' in tcp) || host === undefined) {
    throw new OptionError(`--vnc ${config.id ?? ''}: a bare 'websocket' needs a TCP display (use websocket=HOST:PORT)`);
  }
  return { host, port: tcp.port - 5900 + 5700 };
}

/**
 * One web port per websocket address: ws (wss when the display has tls-creds)
 * and the noVNC page. Displays sharing an address are served at /vnc/<id>.
 */
async function startWeb(displays: readonly RunningDisplay[], objects: Objects): Promise<VncWebServer[]> {
  const groups = new Map<string, { address: { host: string; port: number }; members: RunningDisplay[] }>();
  for (const display of displays) {
    const address = websocketAddressOf(display);
    if (address === undefined) continue;
    const key = `${address.host}:${address.port}`;
    const group = groups.get(key) ?? { address, members: [] };
    group.members.push(display);
    groups.set(key, group);
  }
  const webs: VncWebServer[] = [];
  for (const { address, members } of groups.values()) {
    const [first] = members;
    if (!first) continue;
    if (members.length > 1 && members.some((member) => member.config.id === undefined)) {
      throw new OptionError(`several --vnc share the websocket port ${address.port}: give each an id= (it becomes its path /vnc/<id>)`);
    }
    const tlsId = first.config.tlsCreds;
    const displaysByName = members.length === 1 ? first.server : Object.fromEntries(members.map((m) => [m.config.id ?? '', m.server]));
    const web = await serveWeb({
      listen: address,
      displays: displaysByName,
      webRoot: WEB_ROOT,
      ...(tlsId !== undefined && { tls: { creds: objects.creds(tlsId, '--vnc websocket') } }),
      logger,
    });
    const scheme = web.secure ? 'https' : 'http';
    const shown = address.host === '0.0.0.0' ? 'localhost' : address.host.includes(':') ? `[${address.host}]` : address.host;
    const page = `${scheme}://${shown}:${address.port}/vnc.html`;
    if (members.length === 1) log(`noVNC in a browser: ${page}`);
    for (const [name, path] of members.length === 1 ? [] : web.paths) {
      log(`noVNC in a browser (${name}): ${page}?path=${encodeURIComponent(path.replace(/^\//, ''))}`);
    }
    webs.push(web);
  }
  return webs;
}

/** `vncd check-certs --dir DIR [--endpoint server|client]`: QEMU's load-time checks, every problem in plain words. */
function checkCerts(argv: readonly string[]): number {
  let dir: string | undefined;
  let endpoint: 'server' | 'client' = 'server';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--dir') dir = argv[++i];
    else if (arg === '--endpoint' && (argv[i + 1] === 'server' || argv[i + 1] === 'client')) endpoint = argv[++i] as 'server' | 'client';
    else throw new OptionError(`check-certs: unexpected '${arg ?? ''}' (usage: vncd check-certs --dir DIR [--endpoint server|client])`);
  }
  if (dir === undefined) throw new OptionError('check-certs: --dir DIR is required');
  const problems = checkCertificates(dir, endpoint);
  if (problems.length === 0) {
    process.stdout.write(`${dir}: the ${endpoint} certificates pass every check\n`);
    return 0;
  }
  process.stdout.write(`${formatProblems(problems)}\n`);
  return problems.some((problem) => problem.severity === 'error') ? 1 : 0;
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'check-certs') return checkCerts(argv.slice(1));
  const args = parseArguments(argv);
  if (args === 'help') {
    process.stdout.write(usage);
    return 0;
  }
  if (args === 'version') {
    process.stdout.write(`vncd ${version()}\n`);
    return 0;
  }
  const configs = args.vnc.map(parseVncOption);
  const objects = new Objects();
  for (const object of args.objects) objects.add(object);
  const sources: RunningSource[] = [];
  const displays: RunningDisplay[] = [];
  for (const config of configs) {
    const source = await openSource(args.source, config.id);
    sources.push(source);
    displays.push(await startDisplay(config, objects, source));
  }
  const webs = await startWeb(displays, objects);
  const reload = async (): Promise<void> => objects.reloadTls();
  const monitor =
    args.monitor === undefined
      ? undefined
      : await startMonitor({
          listen: parseMonitorOption(args.monitor),
          // QEMU's ids: id= when given, else 'default' for the first display and vnc1, vnc2, ... after it.
          displays: displays.map(({ config, server }, index) => ({
            id: config.id ?? (index === 0 ? 'default' : `vnc${index}`),
            server,
            ...(config.vencrypt?.[0] !== undefined && { vencrypt: config.vencrypt[0] }),
          })),
          reload,
          version: version(),
          logger,
        });
  if (monitor) log(`monitor on ${monitor.addresses.map(formatAddress).join(', ')}`);
  // SIGHUP re-reads the TLS certificates (QEMU's display-reload): new connections get the renewed ones.
  const onHangup = (): void => {
    reload().then(
      () => log('SIGHUP: TLS credentials reloaded'),
      (error: unknown) => log(`SIGHUP: reload failed, the previous credentials stay: ${errorMessage(error)}`),
    );
  };
  process.on('SIGHUP', onHangup);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log(`${signal}: shutting down`);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.off('SIGHUP', onHangup);
  monitor?.event('SHUTDOWN', { guest: false, reason: 'host-signal' });
  await monitor?.close();
  await Promise.all(webs.map((web) => web.close()));
  await Promise.all(displays.map(({ server }) => server.close()));
  for (const source of sources) source.stop();
  objects.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usageError = error instanceof OptionError;
    process.stderr.write(`vncd: ${errorMessage(error)}\n`);
    process.exitCode = usageError ? 2 : 1;
  },
);
