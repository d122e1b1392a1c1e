/**
 * The candidate closest to a mistyped word, or `undefined` when none is close
 * enough to be what was meant: at most two edits (a transposition counts as
 * one) and fewer than half the candidate's letters, or a prefix of it
 * (`--drain` for `--drain-timeout`).
 *
 * ```ts
 * didYouMean('valdate', ['serve', 'validate', 'schema']); // 'validate'
 * didYouMean('frobnicate', ['serve', 'validate']);       // undefined
 * ```
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    const close = distance <= 2 && distance * 2 < candidate.length;
    const prefix = word.length >= 3 && candidate.startsWith(word);
    if ((close || prefix) && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const above = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row.push(value);
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}
