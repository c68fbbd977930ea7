/**
 * Where the CLI writes, so tests and the demo share one shape.
 *
 * ```ts
 * const io = processIo();           // process.stdout / process.stderr / process.env
 * io.out.write('hello\n');
 * io.out.isTTY;                     // true in a terminal: the demo draws a live table
 * ```
 */
export interface Output {
  write(text: string): unknown;
  /** True when it is a terminal. */
  readonly isTTY?: boolean;
  /** Terminal width, when it is one. */
  readonly columns?: number;
}

export interface CliIo {
  out: Output;
  err: Output;
  env: Readonly<Record<string, string | undefined>>;
}

export function processIo(): CliIo {
  return { out: process.stdout, err: process.stderr, env: process.env };
}

/** Colour only in a terminal, and never when `NO_COLOR` is set (https://no-color.org). */
export function wantsColor(io: CliIo): boolean {
  return io.out.isTTY === true && !io.env.NO_COLOR && io.env.TERM !== 'dumb';
}
