/**
 * The naive journal the durable-journal scenario compares against: every
 * record is its own `appendFile` + `fdatasync` (the sync call the real
 * journal makes), issued as it comes, with no batching. It implements the
 * `Journal` interface so a session manager can run on it unchanged.
 *
 * Appends are not serialised: concurrent ones overlap on libuv's thread pool
 * and the filesystem may fold their syncs together, the kindest version of
 * the naive approach.
 */
import { open } from 'node:fs/promises';

export function createNaiveJournal(path) {
  let handle;
  return {
    path,
    async open() {
      handle = await open(path, 'a');
      return [];
    },
    async append(record) {
      await handle.appendFile(`${JSON.stringify(record)}\n`);
      await handle.datasync();
    },
    async close() {
      await handle?.close();
      handle = undefined;
    },
  };
}
