// Small statistics and table helpers for the benchmarks.

/** The p-th percentile (0..100) of an ascending array, nearest-rank. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function median(values) {
  return percentile(Float64Array.from(values).sort(), 50);
}

export function mean(values) {
  let sum = 0;
  for (const value of values) sum += value;
  return values.length === 0 ? NaN : sum / values.length;
}

/** Rounds for display and JSON: 3 significant decimals below 10, fewer above. */
export function round(value, digits = value < 10 ? 3 : value < 100 ? 2 : 1) {
  return Number.isFinite(value) ? Number(value.toFixed(digits)) : value;
}

/** Renders rows (arrays of cells) as an aligned text table with a header rule. */
export function formatTable(header, rows) {
  const cells = [header, ...rows].map((row) => row.map((cell) => String(cell)));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
