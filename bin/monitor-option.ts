/**
 * `--monitor unix:PATH` or `--monitor tcp:HOST:PORT` (HOST on loopback), with
 * QEMU's `-qmp` suffixes accepted so a pasted line works: `,server`,
 * `,server=on`, `,nowait`, `,wait=off` (vncd always listens and never waits).
 */
import type { MonitorHost, MonitorListen } from './monitor';
import { OptionError, OptsReader, parseQemuOpts } from './qemu-opts';

const HOSTS: readonly MonitorHost[] = ['127.0.0.1', '::1', 'localhost'];

export function parseMonitorOption(text: string): MonitorListen {
  const option = `--monitor ${text}`;
  const opts = new OptsReader(parseQemuOpts(text, 'address', option), option);
  const address = opts.string('address') ?? '';
  if (opts.bool('server') === false) throw new OptionError(`${option}: the monitor always listens; 'server' can only be on`);
  if (opts.bool('wait') === true) throw new OptionError(`${option}: the monitor never waits for a client; 'wait' can only be off`);
  opts.bool('nowait');
  opts.finish();
  if (address.startsWith('unix:')) {
    const path = address.slice('unix:'.length);
    if (path === '') throw new OptionError(`${option}: unix: needs a socket path`);
    return { path };
  }
  const match = /^tcp:(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  if (match === null) {
    throw new OptionError(`${option}: the address must be unix:PATH or tcp:HOST:PORT (HOST one of ${HOSTS.join(', ')}), not '${address}'`);
  }
  const host = match[1] ?? match[2] ?? '';
  const port = Number(match[3]);
  const loopback = HOSTS.find((candidate) => candidate === host);
  if (loopback === undefined) {
    throw new OptionError(
      `${option}: the monitor listens on loopback only (${HOSTS.join(', ')}), not '${host}': whoever reaches it can change passwords`,
    );
  }
  if (port > 65535) throw new OptionError(`${option}: the port must be from 0 to 65535, not ${port}`);
  return { host: loopback, port };
}
