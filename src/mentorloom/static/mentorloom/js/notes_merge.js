// Line-level three-way merge, a port of mentorloom/sessions/merge.py: edits of different lines
// from a common base are both kept, insertions at the same point are both kept (theirs first),
// and only lines both sides changed differently come back as overlaps (holding my text).

function lines(text) {
  return text.split("\n");
}

// The changed regions of `other` against `base`: [start, end, replacementLines, side].
// Common prefix/suffix are trimmed, the middle is aligned by longest common subsequence.
function hunks(base, other, side) {
  let head = 0;
  while (head < base.length && head < other.length && base[head] === other[head]) head++;
  let tail = 0;
  while (
    tail < base.length - head &&
    tail < other.length - head &&
    base[base.length - 1 - tail] === other[other.length - 1 - tail]
  ) {
    tail++;
  }
  const a = base.slice(head, base.length - tail);
  const b = other.slice(head, other.length - tail);
  const n = a.length;
  const m = b.length;
  if (n === 0 && m === 0) return [];
  if (n * m > 4_000_000 || n === 0 || m === 0) {
    return [[head, head + n, b, side]]; // too big to align: one change (the server merges finer)
  }
  // lcs[i][j] = LCS length of a[i:], b[j:]
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out = [];
  let i = 0;
  let j = 0;
  let open = null;
  const close = () => {
    if (open) out.push([head + open[0], head + i, b.slice(open[1], j), side]);
    open = null;
  };
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      close();
      i++;
      j++;
    } else {
      if (!open) open = [i, j];
      if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) j++;
      else i++;
    }
  }
  close();
  return out;
}

function joins(hunk, lo, hi) {
  const [start, end] = hunk;
  if (start === end) return (lo < start && start < hi) || (lo === hi && hi === start);
  return start < hi && lo < end;
}

function apply(base, lo, hi, members) {
  const out = [];
  let cursor = lo;
  for (const [start, end, replacement] of members) {
    out.push(...base.slice(cursor, start), ...replacement);
    cursor = end;
  }
  out.push(...base.slice(cursor, hi));
  return out;
}

function same(x, y) {
  return x.length === y.length && x.every((value, k) => value === y[k]);
}

/** merge(base, mine, theirs) → { text, overlaps: [{ base, mine, theirs }], clean } */
export function merge(base, mine, theirs) {
  if (mine === theirs || theirs === base) return { text: mine, overlaps: [], clean: true };
  if (mine === base) return { text: theirs, overlaps: [], clean: true };
  const baseLines = lines(base);
  const all = [...hunks(baseLines, lines(mine), "mine"), ...hunks(baseLines, lines(theirs), "theirs")];
  const rank = (h) => [h[0], h[1] !== h[0] ? 1 : 0, h[1], h[3] !== "theirs" ? 1 : 0];
  all.sort((x, y) => {
    const [p, q] = [rank(x), rank(y)];
    for (let k = 0; k < p.length; k++) if (p[k] !== q[k]) return p[k] - q[k];
    return 0;
  });
  const groups = [];
  for (const hunk of all) {
    const last = groups[groups.length - 1];
    if (last && joins(hunk, last.lo, last.hi)) {
      last.lo = Math.min(last.lo, hunk[0]);
      last.hi = Math.max(last.hi, hunk[1]);
      last.members.push(hunk);
    } else {
      groups.push({ lo: hunk[0], hi: hunk[1], members: [hunk] });
    }
  }
  const out = [];
  const overlaps = [];
  let cursor = 0;
  for (const { lo, hi, members } of groups) {
    out.push(...baseLines.slice(cursor, lo));
    cursor = hi;
    const mineH = members.filter((h) => h[3] === "mine");
    const theirsH = members.filter((h) => h[3] === "theirs");
    const minePart = apply(baseLines, lo, hi, mineH);
    const theirsPart = apply(baseLines, lo, hi, theirsH);
    if (!mineH.length || !theirsH.length || same(minePart, theirsPart)) {
      out.push(...(mineH.length ? minePart : theirsPart));
    } else if (lo === hi) {
      out.push(...theirsPart, ...minePart);
    } else {
      overlaps.push({
        base: baseLines.slice(lo, hi).join("\n"),
        mine: minePart.join("\n"),
        theirs: theirsPart.join("\n"),
      });
      out.push(...minePart);
    }
  }
  out.push(...baseLines.slice(cursor));
  return { text: out.join("\n"), overlaps, clean: overlaps.length === 0 };
}
