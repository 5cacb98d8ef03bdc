/** One record of a `MemoryTable`: its JSON text and the index keys it is found under. */
interface Row {
  id: string;
  text: string;
  keys: readonly string[];
  createdAt: string;
  /** Insertion order: what the index lists are sorted by. */
  ord: number;
}

/** Where a record sorts: by creation time, then insertion order. */
type Place = Pick<Row, "createdAt" | "ord">;

/**
 * What a record costs beside its text, estimated: its row object, map entries, index
 * positions and key strings. Counted so that a byte budget bounds the heap, not only
 * the text; measured on Node 20 (a small run's heap after GC, less its text and keys).
 */
const ROW_OVERHEAD = 832;

/** The bytes a record is counted for. */
const sizeOf = (row: Row) =>
  row.text.length + ROW_OVERHEAD + row.keys.reduce((sum, k) => sum + k.length + 16, 0);

const older = (a: Place, b: Place) => a.createdAt.localeCompare(b.createdAt) || a.ord - b.ord;

/** The position of `ord` in the ascending list `ords` (where it is, or would go). */
function positionOf(ords: readonly number[], ord: number): number {
  let low = 0;
  let high = ords.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((ords[mid] as number) < ord) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Records kept as JSON text (so a reader never shares or mutates a stored object, and
 * their size is known) with an index from key to the records' insertion numbers, kept
 * sorted. A search walks the shortest list the query names, oldest first, and stops
 * once it has what it returns: it costs what the query selects, not what is stored.
 */
export class MemoryTable {
  private readonly rows = new Map<string, Row>();
  private readonly byOrd = new Map<number, Row>();
  private readonly index = new Map<string, number[]>();
  private inserted = 0;
  /** The newest row inserted; while rows come oldest first, insertion order is creation order. */
  private newest: Place | undefined;
  private inOrder = true;
  /** What the records cost: their text, and an estimate of what keeping them costs. */
  bytes = 0;

  has(id: string): boolean {
    return this.rows.has(id);
  }

  text(id: string): string | undefined {
    return this.rows.get(id)?.text;
  }

  /** Stores a record under `id`, replacing one that is there and its index keys. */
  put(id: string, text: string, createdAt: string, keys: readonly string[]): void {
    const old = this.rows.get(id);
    const row: Row = { id, text, keys, createdAt, ord: old?.ord ?? ++this.inserted };
    if (old) {
      this.bytes -= sizeOf(old);
      for (const key of old.keys) if (!keys.includes(key)) this.unindex(key, old.ord);
    } else if (this.newest && older(row, this.newest) < 0) {
      this.inOrder = false;
    } else {
      this.newest = { createdAt, ord: row.ord };
    }
    this.rows.set(id, row);
    this.byOrd.set(row.ord, row);
    this.bytes += sizeOf(row);
    for (const key of keys) {
      if (old?.keys.includes(key)) continue;
      let ords = this.index.get(key);
      if (!ords) {
        ords = [];
        this.index.set(key, ords);
      }
      if (ords.length === 0 || (ords.at(-1) as number) < row.ord) ords.push(row.ord);
      else ords.splice(positionOf(ords, row.ord), 0, row.ord);
    }
  }

  delete(id: string): boolean {
    const row = this.rows.get(id);
    if (!row) return false;
    this.bytes -= sizeOf(row);
    for (const key of row.keys) this.unindex(key, row.ord);
    this.rows.delete(id);
    this.byOrd.delete(row.ord);
    return true;
  }

  /** The ids under `key`, in insertion order. */
  idsOf(key: string): string[] {
    return (this.index.get(key) ?? []).map((ord) => (this.byOrd.get(ord) as Row).id);
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
    let walk: Iterable<Row> = this.rows.values();
    let shortest = Number.POSITIVE_INFINITY;
    for (const key of keys) {
      const ords = this.index.get(key);
      if (!ords) return [];
      if (ords.length < shortest) {
        shortest = ords.length;
        walk = this.rowsOf(ords);
      }
    }
    const wanted = offset + limit;
    const found: Row[] = [];
    for (const row of walk) {
      if (!keys.every((k) => row.keys.includes(k))) continue;
      if (!accept(row.id)) continue;
      found.push(row);
      if (this.inOrder && found.length >= wanted) break;
    }
    if (!this.inOrder) found.sort(older);
    return found.slice(offset, wanted).map((row) => row.id);
  }

  private *rowsOf(ords: readonly number[]): Generator<Row> {
    for (const ord of ords) yield this.byOrd.get(ord) as Row;
  }

  private unindex(key: string, ord: number): void {
    const ords = this.index.get(key);
    if (!ords) return;
    const at = positionOf(ords, ord);
    if (ords[at] === ord) ords.splice(at, 1);
    if (ords.length === 0) this.index.delete(key);
  }
}
