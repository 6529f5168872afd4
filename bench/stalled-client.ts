/**
 * How much memory a viewer that stops reading costs the server. A client
 * connects over TCP, asks for updates continuously and never reads, while the
 * whole 1024x768 screen changes 30 times a second. Prints the server's queued
 * bytes for that client, heap and RSS once a second for 10 s (override with
 * STALL_SECONDS). Run: npm run build && node dist/bench/stalled-client.js
 */
import { connect } from 'node:net';
import { Display, VncServer } from '../src/vnc';

const WIDTH = 1024;
const HEIGHT = 768;
const SECONDS = Number(process.env.STALL_SECONDS ?? 10);

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

async function main(): Promise<void> {
  const display = new Display({ width: WIDTH, height: HEIGHT });
  const server = new VncServer({ display });
  const [address] = await server.listen({ host: '127.0.0.1', port: 0 });
  if (address?.family !== 'ipv4') throw new Error('no IPv4 listener');

  const socket = connect(address.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  // Version, security None, shared, then Raw only and a stream of update requests.
  socket.write(Buffer.from('RFB 003.008\n'));
  socket.write(Buffer.from([1, 1]));
  socket.write(Buffer.from('02000001' + '00000000', 'hex'));
  const request = Buffer.from('0301' + '0000' + '0000' + WIDTH.toString(16).padStart(4, '0') + HEIGHT.toString(16).padStart(4, '0'), 'hex');
  socket.pause(); // the viewer hangs: nothing it is sent is ever read

  let frame = 0;
  const animate = setInterval(() => {
    frame++;
    display.buffer.fill(frame & 0xff);
    display.damage();
    socket.write(request);
  }, 33);

  const baseline = process.memoryUsage();
  console.log(`baseline: heap ${mib(baseline.heapUsed)} MiB, rss ${mib(baseline.rss)} MiB; one frame is ${mib(WIDTH * HEIGHT * 4)} MiB`);
  console.log('second  queued(MiB)  heap(MiB)  rss(MiB)  client');
  for (let second = 1; second <= SECONDS; second++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const [client] = server.info().clients;
    const queued = client ? mib(client.queuedBytes) : "-";
    const memory = process.memoryUsage();
    console.log(`${String(second).padStart(6)}  ${queued.padStart(11)}  ${mib(memory.heapUsed).padStart(9)}  ${mib(memory.rss).padStart(8)}  ${client ? `connected, ${mib(client.bytesSent)} MiB sent` : 'dropped'}`);
  }
  clearInterval(animate);
  socket.destroy();
  await server.close();
}

void main();
