/**
 * The table's rows on the page, fed by the `reset` and `changes` messages of
 * `/api/events`. Kept in created order; `version` changes with every update
 * so views can memoise on it.
 */

export function createListStore() {
  const store = {
    rows: new Map(),
    /** Ids, created order. */
    order: [],
    stats: [],
    title: '',
    readOnly: false,
    version: 0,
    /** Server clock minus this page's, from the last message. */
    clockOffset: 0,
  };
  const place = (row) => {
    const { order, rows } = store;
    // Almost always the newest: append. Otherwise insert by (createdAt, id).
    let index = order.length;
    while (index > 0) {
      const before = rows.get(order[index - 1]);
      if (
        before.createdAt < row.createdAt ||
        (before.createdAt === row.createdAt && before.id < row.id)
      )
        break;
      index -= 1;
    }
    order.splice(index, 0, row.id);
  };
  return {
    store,
    reset(data) {
      store.rows = new Map(data.rows.map((row) => [row.id, row]));
      store.order = data.rows.map((row) => row.id);
      store.stats = data.stats;
      store.title = data.title;
      store.readOnly = data.readOnly;
      store.clockOffset = data.now - Date.now();
      store.version += 1;
    },
    changes(data) {
      for (const row of data.rows) {
        const known = store.rows.has(row.id);
        store.rows.set(row.id, row);
        if (!known) place(row);
      }
      if (data.removed.length > 0) {
        const gone = new Set(data.removed);
        for (const id of gone) store.rows.delete(id);
        store.order = store.order.filter((id) => !gone.has(id));
      }
      store.clockOffset = data.now - Date.now();
      store.version += 1;
    },
    sample(data) {
      store.stats = [...store.stats.slice(-119), data.sample];
      store.version += 1;
    },
  };
}
