/**
 * A tiny emulated machine: an 80x25 text console with its own video memory,
 * 16 bpp RGB565 (little-endian), 8x16 pixel cells, and a shell that echoes
 * what is typed (help, clear, date, echo). It knows nothing of VNC: it tells
 * its `ScreenOutput` which pixels changed (only the cells that really did) and
 * when a scroll moved them, as a graphics card model in an emulator would.
 */
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyphRows } from './font';

export const COLUMNS = 80;
export const ROWS = 25;
export const CELL_WIDTH = 8;
export const CELL_HEIGHT = 16;
export const WIDTH = COLUMNS * CELL_WIDTH;
export const HEIGHT = ROWS * CELL_HEIGHT;
/** Rows 0-23 are the terminal; the last row is the status bar. */
const TEXT_ROWS = ROWS - 1;
const STATUS_ROW = ROWS - 1;
const BYTES_PER_PIXEL = 2;
const PROMPT = 'emu> ';
const MAX_LINE = COLUMNS - PROMPT.length - 1;

/** What the machine drives: a Display has exactly these methods (see main.ts). */
export interface ScreenOutput {
  /** These pixels of `vram` changed. */
  damage(x: number, y: number, width: number, height: number): void;
  /** A block of pixels moved (scrolling); `vram` has moved them already. */
  copy(srcX: number, srcY: number, dstX: number, dstY: number, width: number, height: number): void;
  bell?(): void;
}

/** A key as a viewer sends it: an X11 keysym, and QEMU's XT scancode when the viewer sends extended key events. */
export interface KeyPress {
  readonly keysym: number;
  readonly down: boolean;
  readonly scancode?: number;
}

const rgb565 = (r: number, g: number, b: number): number => ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3);
const BLACK = rgb565(0x10, 0x10, 0x18);
const ATTRS = {
  text: { fg: rgb565(0xc8, 0xc8, 0xc8), bg: BLACK },
  prompt: { fg: rgb565(0x60, 0xe0, 0x60), bg: BLACK },
  banner: { fg: rgb565(0xf0, 0xd0, 0x50), bg: BLACK },
  error: { fg: rgb565(0xff, 0x70, 0x60), bg: BLACK },
  status: { fg: rgb565(0x10, 0x10, 0x18), bg: rgb565(0x70, 0xc0, 0xd0) },
} as const;
type AttrName = keyof typeof ATTRS;
const ATTR_LIST = Object.values(ATTRS);
const ATTR_INDEX = new Map(Object.keys(ATTRS).map((name, index) => [name as AttrName, index]));

const KEY_NAMES: ReadonlyMap<number, string> = new Map([
  [0xff08, 'BackSpace'], [0xff09, 'Tab'], [0xff0d, 'Return'], [0xff1b, 'Escape'], [0xff8d, 'KP_Enter'],
  [0xffe1, 'Shift_L'], [0xffe2, 'Shift_R'], [0xffe3, 'Control_L'], [0xffe4, 'Control_R'], [0xffe9, 'Alt_L'],
  [0xff51, 'Left'], [0xff52, 'Up'], [0xff53, 'Right'], [0xff54, 'Down'], [0xffff, 'Delete'],
]);

export class TextConsole {
  /** The video memory: WIDTH x HEIGHT pixels, RGB565 little-endian. */
  readonly vram = Buffer.alloc(WIDTH * HEIGHT * BYTES_PER_PIXEL);
  private readonly chars = new Uint8Array(COLUMNS * ROWS).fill(0x20);
  private readonly attrs = new Uint8Array(COLUMNS * ROWS);
  /** What each cell shows now (see `look`), so only cells whose pixels change are drawn and damaged. */
  private readonly shown = new Float64Array(COLUMNS * ROWS).fill(-1);
  private col = 0;
  private row = 0;
  private cursorOn = true;
  private line = '';
  private lastKey = 'none yet';

  constructor(
    private readonly output: ScreenOutput,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Draws the first screen: the banner and a prompt. */
  powerOn(): void {
    this.print('vncd emulator: an 80x25 text console served over VNC\n', 'banner');
    this.print("Type 'help' and press Return.\n\n", 'text');
    this.print(PROMPT, 'prompt');
    this.render();
  }

  /** The keyboard: characters, Return and BackSpace; every key shows in the status bar. */
  key({ keysym, down, scancode }: KeyPress): void {
    if (!down) return;
    const char = typedChar(keysym);
    const name = char === undefined ? (KEY_NAMES.get(keysym) ?? 'key') : `'${char}'`;
    const code = scancode === undefined ? 'no scancode' : `scancode 0x${scancode.toString(16).padStart(2, '0')}`;
    this.lastKey = `${name} keysym 0x${keysym.toString(16).padStart(4, '0')} ${code}`;
    if (keysym === 0xff0d || keysym === 0xff8d) this.enter();
    else if (keysym === 0xff08) this.backspace();
    else if (char !== undefined) this.type(char);
    this.render();
  }

  /** The clock: blinks the cursor and updates the time in the status bar (call it twice a second). */
  tick(): void {
    this.cursorOn = !this.cursorOn;
    this.render();
  }

  /** A row's text without trailing spaces. */
  rowText(row: number): string {
    return String.fromCharCode(...this.chars.subarray(row * COLUMNS, (row + 1) * COLUMNS)).trimEnd();
  }

  get cursor(): { col: number; row: number } {
    return { col: this.col, row: this.row };
  }

  private type(char: string): void {
    if (this.line.length >= MAX_LINE) return this.output.bell?.();
    this.line += char;
    this.print(char, 'text');
  }

  private backspace(): void {
    if (this.line.length === 0) return this.output.bell?.();
    this.line = this.line.slice(0, -1);
    this.col--;
    this.put(this.row * COLUMNS + this.col, 0x20, 'text');
  }

  private enter(): void {
    const [command = '', ...words] = this.line.trim().split(/\s+/);
    this.line = '';
    this.print('\n', 'text');
    switch (command) {
      case '':
        break;
      case 'help':
        this.print('commands: help, clear, date, echo WORDS\n', 'text');
        break;
      case 'clear':
        this.chars.fill(0x20, 0, TEXT_ROWS * COLUMNS);
        this.attrs.fill(0, 0, TEXT_ROWS * COLUMNS);
        this.col = 0;
        this.row = 0;
        break;
      case 'date':
        this.print(`${this.now().toString()}\n`, 'text');
        break;
      case 'echo':
        this.print(`${words.join(' ')}\n`, 'text');
        break;
      default:
        this.print(`${command}: command not found (try help)\n`, 'error');
    }
    this.print(PROMPT, 'prompt');
  }

  private print(text: string, attr: AttrName): void {
    for (const char of text) {
      if (char === '\n') {
        this.newline();
        continue;
      }
      if (this.col >= COLUMNS) this.newline();
      this.put(this.row * COLUMNS + this.col, char.charCodeAt(0), attr);
      this.col++;
    }
  }

  private newline(): void {
    this.col = 0;
    if (++this.row < TEXT_ROWS) return;
    this.row = TEXT_ROWS - 1;
    this.scroll();
  }

  /** Moves the text, the video memory and the record of what is shown up one row: viewers get a CopyRect. */
  private scroll(): void {
    const rowCells = COLUMNS;
    const last = (TEXT_ROWS - 1) * rowCells;
    for (const cells of [this.chars, this.attrs, this.shown]) cells.copyWithin(0, rowCells, TEXT_ROWS * rowCells);
    this.chars.fill(0x20, last, last + rowCells);
    this.attrs.fill(0, last, last + rowCells);
    const rowBytes = WIDTH * BYTES_PER_PIXEL * CELL_HEIGHT;
    this.vram.copyWithin(0, rowBytes, TEXT_ROWS * rowBytes);
    this.output.copy(0, CELL_HEIGHT, 0, 0, WIDTH, (TEXT_ROWS - 1) * CELL_HEIGHT);
  }

  private put(index: number, code: number, attr: AttrName): void {
    this.chars[index] = code;
    this.attrs[index] = ATTR_INDEX.get(attr) ?? 0;
  }

  private statusLine(): string {
    const time = this.now().toTimeString().slice(0, 8);
    const left = ` vncd emulator ${COLUMNS}x${ROWS} | last key: ${this.lastKey}`;
    return `${left.padEnd(COLUMNS - time.length - 1).slice(0, COLUMNS - time.length - 1)}${time} `;
  }

  /** Draws the cells whose look changed and damages them, one rectangle per run of changed cells in a row. */
  private render(): void {
    const status = this.statusLine();
    for (let col = 0; col < COLUMNS; col++) this.put(STATUS_ROW * COLUMNS + col, status.charCodeAt(col), 'status');
    const cursor = this.cursorOn ? this.row * COLUMNS + this.col : -1;
    for (let row = 0; row < ROWS; row++) {
      let runStart = -1;
      for (let col = 0; col <= COLUMNS; col++) {
        const index = row * COLUMNS + col;
        const changed = col < COLUMNS && this.draw(index, index === cursor);
        if (changed && runStart < 0) runStart = col;
        if (!changed && runStart >= 0) {
          this.output.damage(runStart * CELL_WIDTH, row * CELL_HEIGHT, (col - runStart) * CELL_WIDTH, CELL_HEIGHT);
          runStart = -1;
        }
      }
    }
  }

  /** Draws one cell if it looks different from what is shown; says whether it did. */
  private draw(index: number, cursor: boolean): boolean {
    const code = this.chars[index] ?? 0x20;
    const { fg, bg } = ATTR_LIST[this.attrs[index] ?? 0] ?? ATTRS.text;
    // A blank cell looks the same whatever its foreground colour.
    const look = code === 0x20 && !cursor ? bg : (((code << 1) | (cursor ? 1 : 0)) * 0x10000 + fg) * 0x10000 + bg;
    if (this.shown[index] === look) return false;
    this.shown[index] = look;
    const glyph = glyphRows(code);
    const x0 = (index % COLUMNS) * CELL_WIDTH;
    const y0 = Math.floor(index / COLUMNS) * CELL_HEIGHT;
    for (let y = 0; y < CELL_HEIGHT; y++) {
      // The 5x7 glyph sits at (1, 1) with each dot row two pixels tall; the cursor is the bottom two rows.
      const dotRow = (y - 1) >> 1;
      const dots = y >= 1 && dotRow < GLYPH_HEIGHT ? (glyph[dotRow] ?? 0) : 0;
      const underline = cursor && y >= CELL_HEIGHT - 2;
      let offset = ((y0 + y) * WIDTH + x0) * BYTES_PER_PIXEL;
      for (let x = 0; x < CELL_WIDTH; x++, offset += BYTES_PER_PIXEL) {
        const bit = x - 1;
        const on = underline || (bit >= 0 && bit < GLYPH_WIDTH && ((dots >> (GLYPH_WIDTH - 1 - bit)) & 1) === 1);
        this.vram.writeUInt16LE(on ? fg : bg, offset);
      }
    }
    return true;
  }
}

/** The character a keysym types, for printable ASCII and the keypad's digits. */
function typedChar(keysym: number): string | undefined {
  if (keysym >= 0x20 && keysym <= 0x7e) return String.fromCharCode(keysym);
  if (keysym >= 0xffb0 && keysym <= 0xffb9) return String.fromCharCode(0x30 + keysym - 0xffb0);
  return undefined;
}
