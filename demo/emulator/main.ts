#!/usr/bin/env node
/**
 * Embedding vncd in an emulator: the machine (machine.ts) owns its video
 * memory; this file gives it a VNC display. The pattern is four steps:
 * a Display in the machine's pixel format, the machine's damage copied into
 * it, the viewers' keys handed to the machine, and a server that listens.
 * Outside this repository, import from 'vncd' instead of '../../src/vnc'.
 *
 *   npm run emulator [-- PORT]      then: vncviewer localhost::5901
 */
import { errorMessage } from '../../src/errors';
import { Display, RGB565, VncServer, type Logger } from '../../src/vnc';
import { HEIGHT, TextConsole, WIDTH } from './machine';

const FIRST_PORT = 5901;
const PORTS_TO_TRY = 10;

async function main(): Promise<void> {
  // 1. A display in the machine's own format (RGB565): vncd converts for each viewer.
  const display = new Display({ width: WIDTH, height: HEIGHT, format: RGB565, name: 'vncd emulator' });

  // 2. The machine draws into its video memory and says what changed; copy just that.
  const machine: TextConsole = new TextConsole({
    damage: (x, y, width, height) => {
      for (let row = y; row < y + height; row++) {
        const start = row * display.stride + x * 2;
        machine.vram.copy(display.buffer, start, start, start + width * 2);
      }
      display.damage(x, y, width, height);
    },
    // A scroll: the display moves its pixels the same way, and viewers get a cheap CopyRect.
    copy: (srcX, srcY, dstX, dstY, width, height) => display.copy(srcX, srcY, dstX, dstY, width, height),
    bell: () => display.bell(),
  });
  machine.powerOn();
  const clock = setInterval(() => machine.tick(), 500);

  // 3. Viewers' keys go to the machine (with QEMU scancodes when the viewer sends them).
  display.on('key', (key) => machine.key(key));

  // 4. A server for the display, on localhost only: there is no password.
  const logger: Logger = { debug: () => undefined, info: (m) => console.log(m), warn: (m) => console.warn(m), error: (m) => console.error(m) };
  const server = new VncServer({ display, logger, share: 'ignore' });
  const port = await listen(server, Number(process.argv[2] ?? FIRST_PORT));
  console.log(`emulator on localhost:${port} (display :${port - 5900})`);
  console.log(`connect with: vncviewer localhost::${port}   or: gvncviewer localhost:${port - 5900}`);
  console.log('stop with Ctrl+C');

  const stop = (): void => {
    clearInterval(clock);
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** Listens on the first free port from `first` on. */
async function listen(server: VncServer, first: number): Promise<number> {
  for (let port = first; port < first + PORTS_TO_TRY; port++) {
    try {
      await server.listen({ host: 'localhost', port });
      return port;
    } catch (error) {
      const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
      if (cause?.code !== 'EADDRINUSE') throw error;
    }
  }
  throw new Error(`ports ${first} to ${first + PORTS_TO_TRY - 1} are all in use`);
}

main().catch((error: unknown) => {
  console.error(`emulator: ${errorMessage(error)}`);
  process.exitCode = 1;
});
