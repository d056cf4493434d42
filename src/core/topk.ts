/**
 * Exact top-k by a bounded min-heap: O(n log k), no full sort. Ties are broken by the lower index,
 * so results are deterministic.
 */
export interface TopK {
  indices: Int32Array;
  scores: Float32Array;
}

/**
 * A bounded min-heap of (score, index) keeping the k best; the root is the worst kept. Scores are
 * kept as float32 (the vector kinds' cosines), or as float64 with `f64` (BM25 sums, whose order
 * must not change by rounding).
 */
export class TopKHeap {
  readonly k: number;
  private readonly s: Float32Array | Float64Array;
  private readonly i: Int32Array;
  size = 0;

  constructor(k: number, f64 = false) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
    this.k = k;
    this.s = f64 ? new Float64Array(k) : new Float32Array(k);
    this.i = new Int32Array(k);
  }

  /** a is worse than b: lower score, or equal score and higher index. */
  private worse(sa: number, ia: number, sb: number, ib: number): boolean {
    return sa < sb || (sa === sb && ia > ib);
  }

  /** Lowest score kept (−Infinity until full): a cheap pre-filter for callers. */
  get threshold(): number {
    return this.size < this.k ? -Infinity : (this.s[0] as number);
  }

  push(score: number, index: number): void {
    const s = this.s;
    const ix = this.i;
    if (this.size < this.k) {
      let c = this.size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!this.worse(score, index, s[p] as number, ix[p] as number)) break;
        s[c] = s[p] as number;
        ix[c] = ix[p] as number;
        c = p;
      }
      s[c] = score;
      ix[c] = index;
      return;
    }
    if (!this.worse(s[0] as number, ix[0] as number, score, index)) return;
    // replace root and sift down
    let c = 0;
    const n = this.size;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= n) break;
      const r = l + 1;
      let m = l;
      if (r < n && this.worse(s[r] as number, ix[r] as number, s[l] as number, ix[l] as number)) m = r;
      if (!this.worse(s[m] as number, ix[m] as number, score, index)) break;
      s[c] = s[m] as number;
      ix[c] = ix[m] as number;
      c = m;
    }
    s[c] = score;
    ix[c] = index;
  }

  /** Best first. */
  result(): TopK {
    const r = this.ranked();
    return { indices: r.indices, scores: Float32Array.from(r.scores) };
  }

  /** Best first, the scores as kept (float64 for an `f64` heap). */
  ranked(): { indices: Int32Array; scores: Float64Array } {
    const n = this.size;
    const order = Array.from({ length: n }, (_, j) => j).sort((a, b) => {
      const sa = this.s[a] as number;
      const sb = this.s[b] as number;
      return sb - sa || (this.i[a] as number) - (this.i[b] as number);
    });
    const indices = new Int32Array(n);
    const scores = new Float64Array(n);
    order.forEach((j, r) => {
      indices[r] = this.i[j] as number;
      scores[r] = this.s[j] as number;
    });
    return { indices, scores };
  }
}

/** Dot product of `query` with each of `count` rows of `vectors` (row-major, `dims` wide); top k. */
export function exactTopK(vectors: Float32Array, dims: number, count: number, query: Float32Array, k: number): TopK {
  if (query.length !== dims) throw new RangeError(`query has ${query.length} dimensions, index has ${dims}`);
  if (count * dims > vectors.length) throw new RangeError(`store holds ${vectors.length / dims} rows, asked for ${count}`);
  const heap = new TopKHeap(Math.max(1, Math.min(k, Math.max(count, 1))));
  for (let r = 0, off = 0; r < count; r++, off += dims) {
    let d = 0;
    for (let j = 0; j < dims; j++) d += (vectors[off + j] as number) * (query[j] as number);
    if (d > heap.threshold || heap.size < heap.k) heap.push(d, r);
  }
  return count === 0 ? { indices: new Int32Array(0), scores: new Float32Array(0) } : heap.result();
}

/** L2-normalises each row in place; a zero row stays zero (never NaN). Returns the count of zero rows. */
export function normalizeRows(vectors: Float32Array, dims: number): number {
  let zero = 0;
  for (let off = 0; off < vectors.length; off += dims) {
    let n = 0;
    for (let j = 0; j < dims; j++) n += (vectors[off + j] as number) ** 2;
    if (n === 0 || !Number.isFinite(n)) {
      if (!Number.isFinite(n)) vectors.fill(0, off, off + dims);
      zero++;
      continue;
    }
    const inv = 1 / Math.sqrt(n);
    for (let j = 0; j < dims; j++) vectors[off + j] = (vectors[off + j] as number) * inv;
  }
  return zero;
}
