/**
 * An account's key vectors `pre[k·stride + c] = Σ_j size_j · unit[row_j·stride + c]` over its
 * positions of key k, in position order (docs/methodology/deribit-pm.md §7.1): the batch
 * kernel's inner loop. Positions are taken in runs of one key, four (or two) at a time per
 * cell: `pre + q₁u₁ + q₂u₂ + q₃u₃ + q₄u₄` is evaluated left to right, so each cell gets the same
 * additions in the same order as adding one position at a time (the same bits), with one load
 * and one store of `pre` per four positions instead of per position. A key's vector is started
 * by its first position (`q·u + 0`, the same bits as adding to zeros).
 */

/**
 * Adds positions `from` ≤ j < `end` (rows `rows[j]`, sizes `sizes[j]`) into `pre` (stride
 * `stride`, `stride` cells per row of `unit`). `touched[k]` is 0 for a key not started yet;
 * each key started here is set to 1 and appended to `keyList` from `nKeys`. Returns the new
 * key count.
 */
export function addKeyVectors(
  pre: Float64Array,
  unit: Float64Array,
  stride: number,
  rowKey: Int32Array,
  rows: Int32Array,
  sizes: Float64Array,
  from: number,
  end: number,
  touched: Uint8Array,
  keyList: Int32Array,
  nKeys: number,
): number {
  let j = from;
  while (j < end) {
    const k = rowKey[rows[j]!]!;
    let e = j + 1;
    while (e < end && rowKey[rows[e]!] === k) e++;
    const ko = k * stride;
    if (touched[k] === 0) {
      touched[k] = 1;
      keyList[nKeys++] = k;
      if (e - j >= 4) {
        add4(pre, ko, unit, rows, sizes, j, stride, true);
        j += 4;
      } else {
        add1(pre, ko, unit, rows[j]! * stride, sizes[j]!, stride, true);
        j++;
      }
    }
    for (; e - j >= 4; j += 4) add4(pre, ko, unit, rows, sizes, j, stride, false);
    if (e - j >= 2) {
      add2(pre, ko, unit, rows, sizes, j, stride);
      j += 2;
    }
    if (j < e) {
      add1(pre, ko, unit, rows[j]! * stride, sizes[j]!, stride, false);
      j++;
    }
  }
  return nKeys;
}

/** Positions j..j+3 of one key: `pre (or 0) + q₁u₁ + … + q₄u₄` per cell, left to right. */
function add4(
  pre: Float64Array,
  ko: number,
  unit: Float64Array,
  rows: Int32Array,
  sizes: Float64Array,
  j: number,
  n: number,
  first: boolean,
): void {
  const ra = rows[j]! * n;
  const rb = rows[j + 1]! * n;
  const rc = rows[j + 2]! * n;
  const rd = rows[j + 3]! * n;
  const qa = sizes[j]!;
  const qb = sizes[j + 1]!;
  const qc = sizes[j + 2]!;
  const qd = sizes[j + 3]!;
  if (first) {
    for (let c = 0; c < n; c++)
      pre[ko + c] =
        qa * unit[ra + c]! + 0 + qb * unit[rb + c]! + qc * unit[rc + c]! + qd * unit[rd + c]!;
    return;
  }
  for (let c = 0; c < n; c++)
    pre[ko + c] =
      pre[ko + c]! +
      qa * unit[ra + c]! +
      qb * unit[rb + c]! +
      qc * unit[rc + c]! +
      qd * unit[rd + c]!;
}

/** Positions j, j+1 of one key (the key already started). */
function add2(
  pre: Float64Array,
  ko: number,
  unit: Float64Array,
  rows: Int32Array,
  sizes: Float64Array,
  j: number,
  n: number,
): void {
  const ra = rows[j]! * n;
  const rb = rows[j + 1]! * n;
  const qa = sizes[j]!;
  const qb = sizes[j + 1]!;
  for (let c = 0; c < n; c++) pre[ko + c] = pre[ko + c]! + qa * unit[ra + c]! + qb * unit[rb + c]!;
}

/** One position: `pre += q·u` (or `= q·u + 0` for the key's first), five cells per iteration. */
function add1(
  pre: Float64Array,
  ko: number,
  unit: Float64Array,
  ro: number,
  q: number,
  nC: number,
  first: boolean,
): void {
  let c = 0;
  if (first) {
    for (; c + 4 < nC; c += 5) {
      const o = ko + c;
      const u = ro + c;
      pre[o] = q * unit[u]! + 0;
      pre[o + 1] = q * unit[u + 1]! + 0;
      pre[o + 2] = q * unit[u + 2]! + 0;
      pre[o + 3] = q * unit[u + 3]! + 0;
      pre[o + 4] = q * unit[u + 4]! + 0;
    }
    for (; c < nC; c++) pre[ko + c] = q * unit[ro + c]! + 0;
    return;
  }
  for (; c + 4 < nC; c += 5) {
    const o = ko + c;
    const u = ro + c;
    pre[o] = pre[o]! + q * unit[u]!;
    pre[o + 1] = pre[o + 1]! + q * unit[u + 1]!;
    pre[o + 2] = pre[o + 2]! + q * unit[u + 2]!;
    pre[o + 3] = pre[o + 3]! + q * unit[u + 3]!;
    pre[o + 4] = pre[o + 4]! + q * unit[u + 4]!;
  }
  for (; c < nC; c++) pre[ko + c] = pre[ko + c]! + q * unit[ro + c]!;
}
