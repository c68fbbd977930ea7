/**
 * A journal wrapped so that a scenario can wait until none of its appends
 * is in flight (the group commit has written everything a run produced).
 *
 *   const journal = observedJournal(createFileJournal(path));
 *   const manager = await createSessionManager({ journal });
 *   // ... the run ...
 *   await journal.idle();
 */
export function observedJournal(journal) {
  const inFlight = new Set();
  return {
    path: journal.path,
    /** The file journal's counters (undefined for the naive one). */
    stats: journal.stats,
    open: () => journal.open(),
    close: () => journal.close(),
    ...(journal.readSession && { readSession: (id) => journal.readSession(id) }),
    append(record) {
      const appended = journal.append(record);
      inFlight.add(appended);
      const settle = () => inFlight.delete(appended);
      appended.then(settle, settle);
      return appended;
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
