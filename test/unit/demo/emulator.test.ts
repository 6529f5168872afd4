import { CELL_HEIGHT, CELL_WIDTH, COLUMNS, HEIGHT, ROWS, TextConsole, WIDTH, type ScreenOutput } from '../../../demo/emulator/machine';
import { Display, RGB565 } from '../../../src/vnc';

interface Damage {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

const FIXED = new Date(2024, 0, 2, 3, 4, 5);

/** A console whose output is recorded. */
function makeConsole(): { machine: TextConsole; damages: Damage[]; copies: number[][]; bells: number[] } {
  const damages: Damage[] = [];
  const copies: number[][] = [];
  const bells: number[] = [];
  const output: ScreenOutput = {
    damage: (x, y, w, h) => damages.push({ x, y, w, h }),
    copy: (...args) => copies.push(args),
    bell: () => bells.push(1),
  };
  return { machine: new TextConsole(output, () => FIXED), damages, copies, bells };
}

/** Cells whose pixels differ between two frames. */
function changedCells(before: Buffer, after: Buffer): number[] {
  const cells: number[] = [];
  for (let cell = 0; cell < COLUMNS * ROWS; cell++) {
    const x0 = (cell % COLUMNS) * CELL_WIDTH;
    const y0 = Math.floor(cell / COLUMNS) * CELL_HEIGHT;
    for (let y = y0; y < y0 + CELL_HEIGHT; y++) {
      const start = (y * WIDTH + x0) * 2;
      if (!before.subarray(start, start + CELL_WIDTH * 2).equals(after.subarray(start, start + CELL_WIDTH * 2))) {
        cells.push(cell);
        break;
      }
    }
  }
  return cells;
}

/** The cells the damage rectangles cover; every rectangle must be whole cells. */
function damagedCells(damages: readonly Damage[]): number[] {
  const cells = new Set<number>();
  for (const { x, y, w, h } of damages) {
    expect([x % CELL_WIDTH, y % CELL_HEIGHT, w % CELL_WIDTH, h % CELL_HEIGHT]).toEqual([0, 0, 0, 0]);
    for (let row = y / CELL_HEIGHT; row < (y + h) / CELL_HEIGHT; row++) {
      for (let col = x / CELL_WIDTH; col < (x + w) / CELL_WIDTH; col++) cells.add(row * COLUMNS + col);
    }
  }
  return [...cells].sort((a, b) => a - b);
}

/** One cell as '#' (not the background colour) and '.', row by row. */
function cellArt(vram: Buffer, col: number, row: number): string[] {
  const background = vram.readUInt16LE(((row * CELL_HEIGHT) * WIDTH + col * CELL_WIDTH) * 2);
  const lines: string[] = [];
  for (let y = 0; y < CELL_HEIGHT; y++) {
    let line = '';
    for (let x = 0; x < CELL_WIDTH; x++) {
      line += vram.readUInt16LE(((row * CELL_HEIGHT + y) * WIDTH + col * CELL_WIDTH + x) * 2) === background ? '.' : '#';
    }
    lines.push(line);
  }
  return lines;
}

const key = (keysym: number, scancode?: number) => ({ keysym, down: true, ...(scancode === undefined ? {} : { scancode }) });

describe('emulator text console', () => {
  it('boots to a banner and a prompt in an 80x25 RGB565 frame', () => {
    const { machine, damages } = makeConsole();
    expect([WIDTH, HEIGHT, machine.vram.length]).toEqual([640, 400, 640 * 400 * 2]);
    machine.powerOn();
    expect(machine.rowText(0)).toBe('vncd emulator: an 80x25 text console served over VNC');
    expect(machine.rowText(1)).toBe("Type 'help' and press Return.");
    expect(machine.rowText(3)).toBe('emu>');
    expect(machine.cursor).toEqual({ col: 5, row: 3 });
    expect(machine.rowText(24)).toMatch(/^ vncd emulator 80x25 \| last key: none yet +03:04:05$/);
    // The first frame damages every cell once (they all start undrawn).
    expect(damagedCells(damages)).toHaveLength(COLUMNS * ROWS);
  });

  it("typing 'echo hi' and Return shows 'hi' on the next row, damaging only the cells that changed", () => {
    const { machine, damages } = makeConsole();
    machine.powerOn();
    for (const char of 'echo hi') {
      const before = Buffer.from(machine.vram);
      damages.length = 0;
      machine.key(key(char.charCodeAt(0)));
      machine.key({ keysym: char.charCodeAt(0), down: false });
      expect(damagedCells(damages)).toEqual(changedCells(before, machine.vram));
      expect(damages.length).toBeGreaterThan(0);
    }
    expect(machine.rowText(3)).toBe('emu> echo hi');
    const before = Buffer.from(machine.vram);
    damages.length = 0;
    machine.key(key(0xff0d, 0x1c));
    expect(machine.rowText(3)).toBe('emu> echo hi');
    expect(machine.rowText(4)).toBe('hi');
    expect(machine.rowText(5)).toBe('emu>');
    expect(machine.cursor).toEqual({ col: 5, row: 5 });
    const damaged = damagedCells(damages);
    expect(damaged).toEqual(changedCells(before, machine.vram));
    // Rows 4 and 5 changed where there is text and the cursor moved; rows 0-2 did not change at all.
    expect(damaged.filter((cell) => cell < 3 * COLUMNS)).toEqual([]);
    expect(damaged.filter((cell) => Math.floor(cell / COLUMNS) === 4)).toEqual([4 * COLUMNS, 4 * COLUMNS + 1]);
    expect(machine.rowText(24)).toContain("last key: Return keysym 0xff0d scancode 0x1c");
    expect(cellArt(machine.vram, 0, 4)).toEqual([
      '........',
      '.#......', '.#......',
      '.#......', '.#......',
      '.#.##...', '.#.##...',
      '.##..#..', '.##..#..',
      '.#...#..', '.#...#..',
      '.#...#..', '.#...#..',
      '.#...#..', '.#...#..',
      '........',
    ]);
  });

  it('BackSpace, unknown commands, help, date, clear, and a bell at the line ends', () => {
    const { machine, bells } = makeConsole();
    machine.powerOn();
    machine.key(key(0xff08));
    expect(bells).toHaveLength(1);
    for (const char of 'helq') machine.key(key(char.charCodeAt(0), 0x10));
    expect(machine.rowText(24)).toContain("last key: 'q' keysym 0x0071 scancode 0x10");
    machine.key(key(0xff08));
    machine.key(key('p'.charCodeAt(0)));
    machine.key(key(0xff8d));
    expect(machine.rowText(4)).toBe('commands: help, clear, date, echo WORDS');
    for (const char of 'dat') machine.key(key(char.charCodeAt(0)));
    machine.key(key(0xff0d));
    expect(machine.rowText(6)).toBe('dat: command not found (try help)');
    for (const char of 'date') machine.key(key(char.charCodeAt(0)));
    machine.key(key(0xff0d));
    expect(machine.rowText(8)).toBe(FIXED.toString());
    for (const char of 'clear') machine.key(key(char.charCodeAt(0)));
    machine.key(key(0xff0d));
    expect(machine.rowText(0)).toBe('emu>');
    expect(machine.rowText(1)).toBe('');
    expect(machine.cursor).toEqual({ col: 5, row: 0 });
    for (let i = 0; i < 80; i++) machine.key(key('x'.charCodeAt(0)));
    expect(machine.rowText(0)).toBe(`emu> ${'x'.repeat(74)}`);
    expect(bells).toHaveLength(1 + 80 - 74);
  });

  it('scrolls with a copy, and a Display wired like main.ts stays equal to the video memory', () => {
    const display = new Display({ width: WIDTH, height: HEIGHT, format: RGB565 });
    const copies: number[][] = [];
    const machine: TextConsole = new TextConsole(
      {
        damage: (x, y, w, h) => {
          for (let row = y; row < y + h; row++) machine.vram.copy(display.buffer, (row * WIDTH + x) * 2, (row * WIDTH + x) * 2, (row * WIDTH + x + w) * 2);
          display.damage(x, y, w, h);
        },
        copy: (...args) => {
          copies.push(args);
          display.copy(...args);
        },
      },
      () => FIXED,
    );
    machine.powerOn();
    for (let line = 0; line < 30; line++) {
      machine.key(key('a'.charCodeAt(0) + (line % 26)));
      machine.key(key(0xff0d));
      machine.tick();
    }
    expect(copies.length).toBeGreaterThan(0);
    expect(copies[0]).toEqual([0, CELL_HEIGHT, 0, 0, WIDTH, 23 * CELL_HEIGHT]);
    expect(machine.rowText(23)).toBe('emu>');
    expect(machine.rowText(22)).toBe('d: command not found (try help)');
    expect(display.buffer.equals(machine.vram)).toBe(true);
  });
});
