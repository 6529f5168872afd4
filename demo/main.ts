import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoDesktop } from './desktop';

// The RFB server that serves this desktop to VNC viewers and noVNC is built on
// the crypto and io layers; until it lands, the demo draws the desktop once and
// saves it so you can see what will be served.
const desktop = new DemoDesktop();
desktop.draw();
const file = join(tmpdir(), 'vncd-demo-desktop.png');
writeFileSync(file, desktop.png());
console.log(`vncd demo: drew a ${desktop.width}x${desktop.height} desktop, saved to ${file}`);
