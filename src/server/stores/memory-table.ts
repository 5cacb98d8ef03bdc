/** One record of a `MemoryTable`: its JSON text and the index keys it is found under. */
interface Row {
  text: string;
  keys: readonly string[];
  createdAt: string;
  /** Insertion order, for records created in the same millisecond. */
  ord: number;
}

/** The ids under one index key, and whether they were added oldest first. */
interface Entry {
  ids: Set<string>;
  last?: Place;
  inOrder: boolean;
}

/** Where a record sorts: by creation time, then insertion order. */
type Place = Pick<Row, "createdAt" | "ord">;

const older = (a: Place, b: Place) => a.createdAt.localeCompare(b.createdAt) || a.ord - b.ord;

/**
 * Records kept as JSON text (so a reader never shares or mutates a stored object, and
 * their size is known) with an index from key to ids. A search walks the smallest
 * index set the query names, so it costs what the query selects, not what is stored.
 */
export class MemoryTable {
  private readonly rows = new Map<string, Row>();
  private readonly index = new Map<string, Entry>();
  private inserted = 0;
  /** The newest row inserted; while inserts come oldest first, a walk stops early. */
  private newest: Place | undefined;
  private inOrder = true;
  /** The length of every record's text. */
  bytes = 0;

  get size(): number {
    return this.rows.size;
  }

  has(id: string): boolean {
    return this.rows.has(id);
  }

  text(id: string): string | undefined {
    return this.rows.get(id)?.text;
  }

  /** Stores a record under `id`, replacing one that is there and its index keys. */
  put(id: string, text: string, createdAt: string, keys: readonly string[]): void {
    const old = this.rows.get(id);
    const row: Row = { text, keys, createdAt, ord: old?.ord ?? ++this.inserted };
    if (old) {
      this.bytes -= old.text.length;
      // Keys a record keeps keep its place in their sets, so walks stay in order.
      for (const key of old.keys) if (!keys.includes(key)) this.unindex(id, key);
    } else {
      if (this.newest && older(row, this.newest) < 0) this.inOrder = false;
      else this.newest = { createdAt, ord: row.ord };
    }
    this.rows.set(id, row);
    this.bytes += text.length;
    for (const key of keys) {
      if (old?.keys.includes(key)) continue;
      let entry = this.index.get(key);
      if (!entry) {
        entry = { ids: new Set(), inOrder: true };
        this.index.set(key, entry);
      }
      if (entry.last && older(row, entry.last) < 0) entry.inOrder = false;
      else entry.last = { createdAt, ord: row.ord };
      entry.ids.add(id);
    }
  }

  delete(id: string): boolean {
    const row = this.rows.get(id);
    if (!row) return false;
    this.bytes -= row.text.length;
    for (const key of row.keys) this.unindex(id, key);
    this.rows.delete(id);
    return true;
  }

  /** The ids under `key`, in insertion order. */
  idsOf(key: string): readonly string[] {
    return [...(this.index.get(key)?.ids ?? [])];
  }

  /**
   * The ids of records that have every key of `keys`, oldest first, `offset` skipped,
   * at most `limit`; `accept` may refuse a candidate (e.g. one that no longer decodes).
   */
  search(
    keys: readonly string[],
    limit: number,
    offset: number,
    accept: (id: string) => boolean = () => true,
  ): string[] {
    let candidates: Iterable<string> = this.rows.keys();
    let inOrder = this.inOrder;
    let smallest = Number.POSITIVE_INFINITY;
    for (const key of keys) {
      const entry = this.index.get(key);
      if (!entry) return [];
      if (entry.ids.size < smallest) {
        smallest = entry.ids.size;
        candidates = entry.ids;
        inOrder = entry.inOrder;
      }
    }
    const wanted = offset + limit;
    const found: Row[] = [];
    const ids = new Map<Row, string>();
    for (const id of candidates) {
      const row = this.rows.get(id) as Row;
      if (!keys.every((k) => row.keys.includes(k))) continue;
      if (!accept(id)) continue;
      found.push(row);
      ids.set(row, id);
      if (inOrder && found.length >= wanted) break;
    }
    if (!inOrder) found.sort(older);
    return found.slice(offset, wanted).map((row) => ids.get(row) as string);
  }

  private unindex(id: string, key: string): void {
    const entry = this.index.get(key);
    entry?.ids.delete(id);
    if (entry?.ids.size === 0) this.index.delete(key);
  }
}
