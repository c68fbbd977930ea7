import { describe, expect, it } from 'vitest';
import { LineSplitter, MAX_LINE_CHARS, OutputTail } from '../src/process/outputTail.js';

describe('OutputTail', () => {
  it('keeps the last `limit` bytes across chunks, without the final newline', () => {
    const tail = new OutputTail(10);
    for (const chunk of ['abc\n', 'defgh\n', 'ijklmnop\n']) tail.push(Buffer.from(chunk));
    // The last 10 bytes are '\nijklmnop\n'.
    expect(tail.toString()).toBe('\nijklmnop');
    tail.push(Buffer.from('q'.repeat(50)));
    expect(tail.toString()).toBe('q'.repeat(10));
  });

  it('never starts with half a UTF-8 character', () => {
    const tail = new OutputTail(5);
    tail.push(Buffer.from('xx€€')); // € is 3 bytes: the last 5 bytes cut the first one
    expect(tail.toString()).toBe('€');
  });

  it('keeps nothing with limit 0', () => {
    const tail = new OutputTail(0);
    tail.push(Buffer.from('hello'));
    expect(tail.toString()).toBe('');
  });
});

describe('LineSplitter', () => {
  it('cuts lines across chunk boundaries, \\n and \\r\\n alike', () => {
    const lines = new LineSplitter();
    expect(lines.push(Buffer.from('one\r\ntw'))).toEqual(['one']);
    expect(lines.push(Buffer.from('o\nthree'))).toEqual(['two']);
    expect(lines.end()).toEqual(['three']);
  });

  it('does not split a multi-byte character cut between chunks', () => {
    const bytes = Buffer.from('é\n');
    const lines = new LineSplitter();
    expect(lines.push(bytes.subarray(0, 1))).toEqual([]);
    expect(lines.push(bytes.subarray(1))).toEqual(['é']);
  });

  it('hands a newline-free stream on in bounded pieces', () => {
    const lines = new LineSplitter();
    const out = lines.push(Buffer.from('x'.repeat(MAX_LINE_CHARS * 2 + 5)));
    expect(out).toEqual(['x'.repeat(MAX_LINE_CHARS), 'x'.repeat(MAX_LINE_CHARS)]);
    expect(lines.end()).toEqual(['xxxxx']);
  });
});
