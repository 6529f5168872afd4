import { ClipboardAction, ClipboardFormat } from './protocol/constants';
import {
  decodeClipboardText,
  encodeClipboardText,
  type ExtendedClipboardMessage,
} from './protocol/extended-clipboard';
import { serverCutText, serverExtendedClipboard } from './protocol/server-messages';

/** The actions vncd handles, announced in its caps (as QEMU does: text only). */
const SERVER_ACTIONS = ClipboardAction.REQUEST | ClipboardAction.PEEK | ClipboardAction.NOTIFY | ClipboardAction.PROVIDE;

/**
 * One client's clipboard, in the classic form (Latin-1 ServerCutText /
 * ClientCutText) or, once the client lists the Extended Clipboard
 * pseudo-encoding, the extended one: UTF-8 text, announced with notify and
 * handed over on request, so nothing large is sent that nobody pastes.
 */
export class ClientClipboard {
  private extended = false;
  /** What this server's clipboard holds for the client to request. */
  private text: string | undefined;

  constructor(
    private readonly send: (message: Buffer) => void,
    private readonly deliver: (text: string) => void,
    private readonly maxSize: number,
  ) {}

  /** Whether negative ClientCutText lengths (extended messages) are allowed from this client. */
  get isExtended(): boolean {
    return this.extended;
  }

  /** The client listed the Extended Clipboard pseudo-encoding: announce what the server can do. */
  enableExtended(): void {
    this.extended = true;
    this.send(
      serverExtendedClipboard({
        action: 'caps',
        actions: SERVER_ACTIONS,
        maxSizes: new Map([[ClipboardFormat.TEXT, this.maxSize]]),
      }),
    );
  }

  /** The display's clipboard changed. */
  offer(text: string): void {
    if (!this.extended) {
      this.send(serverCutText(text));
      return;
    }
    this.text = text;
    this.send(serverExtendedClipboard({ action: 'notify', formats: ClipboardFormat.TEXT }));
  }

  handle(message: ExtendedClipboardMessage): void {
    switch (message.action) {
      case 'caps':
        return; // vncd only ever offers text, which every extended client accepts
      case 'request':
        if (message.formats & ClipboardFormat.TEXT && this.text !== undefined) {
          this.send(serverExtendedClipboard({ action: 'provide', data: new Map([[ClipboardFormat.TEXT, encodeClipboardText(this.text)]]) }));
        }
        return;
      case 'peek':
        this.send(serverExtendedClipboard({ action: 'notify', formats: this.text === undefined ? 0 : ClipboardFormat.TEXT }));
        return;
      case 'notify':
        if (message.formats & ClipboardFormat.TEXT) {
          this.send(serverExtendedClipboard({ action: 'request', formats: ClipboardFormat.TEXT }));
        }
        return;
      case 'provide': {
        const text = message.data.get(ClipboardFormat.TEXT);
        if (text !== undefined) this.deliver(decodeClipboardText(text));
        return;
      }
    }
  }
}
