/**
 * Real third-party VNC clients for integration tests: TigerVNC's vncviewer (in a
 * private Xvfb) and gtk-vnc's gvnccapture, with pixel-exact comparison.
 *
 * ```ts
 * import { requireClients, captureWithGvnccapture, TigerVncViewer, compareImages, identical } from '../helpers/clients';
 *
 * beforeAll(() => requireClients());   // fails (never skips) with the apt-get command when a tool is missing
 * ```
 * Debian packages: xvfb x11-apps x11-utils tigervnc-viewer gvncviewer (+ python3).
 */
import { GVNCCAPTURE_TOOL_PACKAGES, missingGvnccaptureTools } from './gvnccapture';
import { TIGERVNC_TOOL_PACKAGES, missingTigerVncTools } from './tigervnc';
import type { VncClientName } from './types';

export * from './types';
export * from './image';
export * from './xvfb';
export * from './tigervnc';
export * from './gvnccapture';

export interface MissingTool {
  readonly client: VncClientName;
  readonly command: string;
  readonly debianPackage: string;
}

/** The programs the given clients need that are not on PATH. */
export function missingClientTools(clients: readonly VncClientName[] = ['tigervnc', 'gvnccapture']): MissingTool[] {
  const out: MissingTool[] = [];
  if (clients.includes('tigervnc')) {
    for (const command of missingTigerVncTools()) {
      out.push({ client: 'tigervnc', command, debianPackage: TIGERVNC_TOOL_PACKAGES[command] ?? command });
    }
  }
  if (clients.includes('gvnccapture')) {
    for (const command of missingGvnccaptureTools()) {
      out.push({ client: 'gvnccapture', command, debianPackage: GVNCCAPTURE_TOOL_PACKAGES[command] ?? command });
    }
  }
  return out;
}

/** True when everything the given clients need is installed. */
export function haveClients(clients: readonly VncClientName[] = ['tigervnc', 'gvnccapture']): boolean {
  return missingClientTools(clients).length === 0;
}

/**
 * Throws, naming the Debian packages to install, unless everything the given
 * clients need is installed. Tests call it (e.g. in beforeAll) so a missing
 * client fails loudly instead of a cryptic ENOENT or a silent skip.
 */
export function requireClients(clients: readonly VncClientName[] = ['tigervnc', 'gvnccapture']): void {
  const missing = missingClientTools(clients);
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((m) => m.debianPackage))];
  throw new Error(
    `VNC client tools missing: ${missing.map((m) => `${m.command} (${m.client})`).join(', ')}. ` +
      `Install them with: apt-get install --no-install-recommends ${packages.join(' ')} ` +
      `(scripts/quickstart.sh test does this).`,
  );
}
