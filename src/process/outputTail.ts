/**
 * Bounded memory for a process's output: the last N bytes of a stream, and
 * the stream cut into lines as it arrives.
 *
 * A process may print gigabytes; only `limit` bytes of it are ever kept
 * (plus at most one incoming chunk), and lines are handed on, not stored:
 *
 * ```ts
 * const tail = new OutputTail(64 * 1024);
 * const lines = new LineSplitter();
 * stream.on('data', (chunk: Buffer) => {
 *   tail.push(chunk);
 *   for (const line of lines.push(chunk)) console.log(line);
 * });
 * stream.on('end', () => { lines.end(); tail.toString(); });
 * ```
 */
import { StringDecoder } from 'node:string_decoder';

export class OutputTail {
  readonly limit: number;
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  push(chunk: Buffer): void {
    if (this.limit <= 0 || chunk.length === 0) return;
    if (chunk.length >= this.limit) {
      // Copy, so the big chunk itself can be collected.
      this.#chunks = [Buffer.from(chunk.subarray(chunk.length - this.limit))];
      this.#size = this.limit;
      return;
    }
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#chunks.length > 1 && this.#size - (this.#chunks[0]?.length ?? 0) >= this.limit) {
      this.#size -= this.#chunks.shift()?.length ?? 0;
    }
  }

  /**
   * The last `limit` bytes as UTF-8, without a character cut in half at the
   * start, and without the final newline (like execa's `stripFinalNewline`).
   */
  toString(): string {
    let bytes = Buffer.concat(this.#chunks, this.#size);
    if (bytes.length > this.limit) bytes = bytes.subarray(bytes.length - this.limit);
    let start = 0;
    // Skip UTF-8 continuation bytes (10xxxxxx) left over from a cut character.
    while (start < bytes.length && start < 3 && ((bytes[start] ?? 0) & 0xc0) === 0x80) start++;
    let text = bytes.toString('utf8', start);
    if (text.endsWith('\n')) text = text.slice(0, text.endsWith('\r\n') ? -2 : -1);
    return text;
  }
}

/** Longer lines are handed on in pieces, so a newline-free stream stays bounded too. */
export const MAX_LINE_CHARS = 64 * 1024;

/** Cuts a byte stream into text lines (`\n` or `\r\n`), across chunk boundaries. */
export class LineSplitter {
  #decoder = new StringDecoder('utf8');
  #partial = '';

  /** The lines completed by this chunk. */
  push(chunk: Buffer): string[] {
    const text = this.#partial + this.#decoder.write(chunk);
    const lines = text.split('\n');
    this.#partial = lines.pop() ?? '';
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index] ?? '';
      if (line.endsWith('\r')) lines[index] = line.slice(0, -1);
    }
    while (this.#partial.length > MAX_LINE_CHARS) {
      lines.push(this.#partial.slice(0, MAX_LINE_CHARS));
      this.#partial = this.#partial.slice(MAX_LINE_CHARS);
    }
    return lines;
  }

  /** The last line, when the stream did not end with a newline. */
  end(): string[] {
    const rest = this.#partial + this.#decoder.end();
    this.#partial = '';
    return rest === '' ? [] : [rest.endsWith('\r') ? rest.slice(0, -1) : rest];
  }
}
