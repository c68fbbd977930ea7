/**
 * A persistent (immutable) map from strings to values: every change returns
 * a new map and leaves the old one as it was, sharing everything it did not
 * touch. The supervisor's child table is one, so each snapshot of a
 * supervisor keeps its own table, and a change costs O(log₃₂ n) rather than
 * the O(n) of copying a `Map`: a session manager's root supervisor holds up
 * to 100k sessions.
 *
 * ```ts
 * const empty = PersistentMap.empty<number>();
 * const one = empty.set('a', 1);
 * one.get('a');      // 1
 * empty.get('a');    // undefined: `empty` did not change
 * one.delete('a').size; // 0
 * ```
 *
 * It is a hash array mapped trie (Bagwell): 32-way nodes indexed by five
 * bits of the key's hash at a time, each holding only the slots in use
 * (a bitmap says which); keys whose hashes are equal share a collision node.
 * Iteration order is the hash order, not insertion order.
 */

// (No constructor parameter properties: the sources also run with Node's type stripping.)
class Leaf<V> {
  readonly hash: number;
  readonly key: string;
  readonly value: V;
  constructor(hash: number, key: string, value: V) {
    this.hash = hash;
    this.key = key;
    this.value = value;
  }
}

class Collision<V> {
  readonly hash: number;
  readonly leaves: readonly Leaf<V>[];
  constructor(hash: number, leaves: readonly Leaf<V>[]) {
    this.hash = hash;
    this.leaves = leaves;
  }
}

class Branch<V> {
  readonly bitmap: number;
  readonly slots: readonly Slot<V>[];
  constructor(bitmap: number, slots: readonly Slot<V>[]) {
    this.bitmap = bitmap;
    this.slots = slots;
  }
}

type Slot<V> = Leaf<V> | Collision<V> | Branch<V>;

const BITS = 5;
const MASK = 31;

/** FNV-1a over UTF-16 code units: fast, and spreads short ids well. */
function hashOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function popcount(bits: number): number {
  let n = bits - ((bits >>> 1) & 0x55555555);
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  return (((n + (n >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

function withSlot<V>(slots: readonly Slot<V>[], index: number, slot: Slot<V>): Slot<V>[] {
  const copy = slots.slice();
  copy[index] = slot;
  return copy;
}

function insertedSlot<V>(slots: readonly Slot<V>[], index: number, slot: Slot<V>): Slot<V>[] {
  const copy = new Array<Slot<V>>(slots.length + 1);
  for (let i = 0; i < index; i++) copy[i] = slots[i]!;
  copy[index] = slot;
  for (let i = index; i < slots.length; i++) copy[i + 1] = slots[i]!;
  return copy;
}

function removedSlot<V>(slots: readonly Slot<V>[], index: number): Slot<V>[] {
  const copy = slots.slice();
  copy.splice(index, 1);
  return copy;
}

type Hashed<V> = Leaf<V> | Collision<V>;

/** A node holding `a` and the leaf `b`, whose hashes agree on every chunk before `shift`. */
function pair<V>(a: Hashed<V>, b: Leaf<V>, shift: number): Slot<V> {
  if (a.hash === b.hash) {
    return new Collision(a.hash, a instanceof Leaf ? [a, b] : [...a.leaves, b]);
  }
  // Distinct 32-bit hashes differ in some chunk by shift 30, so this ends.
  const ia = (a.hash >>> shift) & MASK;
  const ib = (b.hash >>> shift) & MASK;
  if (ia === ib) return new Branch(1 << ia, [pair(a, b, shift + BITS)]);
  return new Branch((1 << ia) | (1 << ib), ia < ib ? [a, b] : [b, a]);
}

function lookup<V>(node: Slot<V>, hash: number, key: string): V | undefined {
  let shift = 0;
  let current: Slot<V> = node;
  for (;;) {
    if (current instanceof Branch) {
      const bit = 1 << ((hash >>> shift) & MASK);
      if ((current.bitmap & bit) === 0) return undefined;
      current = current.slots[popcount(current.bitmap & (bit - 1))]!;
      shift += BITS;
    } else if (current instanceof Leaf) {
      return current.key === key ? current.value : undefined;
    } else {
      for (const leaf of current.leaves) if (leaf.key === key) return leaf.value;
      return undefined;
    }
  }
}

interface Change<V> {
  node: Slot<V> | undefined;
  sizeDelta: number;
}

function put<V>(node: Slot<V>, leaf: Leaf<V>, shift: number): Change<V> {
  if (node instanceof Branch) {
    const bit = 1 << ((leaf.hash >>> shift) & MASK);
    const index = popcount(node.bitmap & (bit - 1));
    if ((node.bitmap & bit) === 0) {
      return {
        node: new Branch(node.bitmap | bit, insertedSlot(node.slots, index, leaf)),
        sizeDelta: 1,
      };
    }
    const inner = put(node.slots[index]!, leaf, shift + BITS);
    return {
      node: new Branch(node.bitmap, withSlot(node.slots, index, inner.node!)),
      sizeDelta: inner.sizeDelta,
    };
  }
  if (node instanceof Leaf) {
    if (node.key === leaf.key) return { node: leaf, sizeDelta: 0 };
    return { node: pair(node, leaf, shift), sizeDelta: 1 };
  }
  // A collision node sits where two equal hashes met; a different hash splits it off.
  if (node.hash !== leaf.hash) return { node: pair(node, leaf, shift), sizeDelta: 1 };
  const index = node.leaves.findIndex((other) => other.key === leaf.key);
  if (index >= 0) {
    const leaves = node.leaves.slice();
    leaves[index] = leaf;
    return { node: new Collision(node.hash, leaves), sizeDelta: 0 };
  }
  return { node: new Collision(node.hash, [...node.leaves, leaf]), sizeDelta: 1 };
}

function remove<V>(node: Slot<V>, hash: number, key: string, shift: number): Change<V> {
  if (node instanceof Branch) {
    const bit = 1 << ((hash >>> shift) & MASK);
    if ((node.bitmap & bit) === 0) return { node, sizeDelta: 0 };
    const index = popcount(node.bitmap & (bit - 1));
    const slot = node.slots[index]!;
    const inner = remove(slot, hash, key, shift + BITS);
    if (inner.sizeDelta === 0) return { node, sizeDelta: 0 };
    if (inner.node === undefined) {
      if (node.slots.length === 1) return { node: undefined, sizeDelta: -1 };
      const slots = removedSlot(node.slots, index);
      // A lone leaf moves up, so the trie never keeps a chain of one-slot branches.
      if (slots.length === 1 && shift > 0 && !(slots[0] instanceof Branch)) {
        return { node: slots[0], sizeDelta: -1 };
      }
      return { node: new Branch(node.bitmap & ~bit, slots), sizeDelta: -1 };
    }
    if (node.slots.length === 1 && shift > 0 && !(inner.node instanceof Branch)) {
      return { node: inner.node, sizeDelta: -1 };
    }
    return {
      node: new Branch(node.bitmap, withSlot(node.slots, index, inner.node)),
      sizeDelta: -1,
    };
  }
  if (node instanceof Leaf) {
    return node.key === key ? { node: undefined, sizeDelta: -1 } : { node, sizeDelta: 0 };
  }
  const index = node.leaves.findIndex((leaf) => leaf.key === key);
  if (index < 0) return { node, sizeDelta: 0 };
  if (node.leaves.length === 2) return { node: node.leaves[1 - index], sizeDelta: -1 };
  const leaves = node.leaves.slice();
  leaves.splice(index, 1);
  return { node: new Collision(node.hash, leaves), sizeDelta: -1 };
}

function collect<V>(node: Slot<V>, into: V[]): void {
  if (node instanceof Leaf) into.push(node.value);
  else if (node instanceof Branch) for (const slot of node.slots) collect(slot, into);
  else for (const leaf of node.leaves) into.push(leaf.value);
}

const EMPTY_ROOT = new Branch<never>(0, []);

export class PersistentMap<V> {
  private readonly root: Branch<V>;
  readonly size: number;

  private constructor(root: Branch<V>, size: number) {
    this.root = root;
    this.size = size;
  }

  static empty<V>(): PersistentMap<V> {
    return new PersistentMap<V>(EMPTY_ROOT, 0);
  }

  get(key: string): V | undefined {
    return this.size === 0 ? undefined : lookup(this.root, hashOf(key), key);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** A map with `key` set to `value`. (`undefined` values are not supported.) */
  set(key: string, value: V): PersistentMap<V> {
    const change = put(this.root, new Leaf(hashOf(key), key, value), 0);
    return new PersistentMap(change.node as Branch<V>, this.size + change.sizeDelta);
  }

  /** A map without `key`; this map itself when it has no such key. */
  delete(key: string): PersistentMap<V> {
    const change = remove(this.root, hashOf(key), key, 0);
    if (change.sizeDelta === 0) return this;
    return new PersistentMap((change.node as Branch<V> | undefined) ?? EMPTY_ROOT, this.size - 1);
  }

  /** Every value, in hash order. */
  values(): V[] {
    const into: V[] = [];
    collect(this.root, into);
    return into;
  }
}
