/**
 * Prints benchmark figures as one table: figure | value | unit | ratio to its baseline. A baseline is
 * another row of the same table, measured in the same run (DESIGN.md, "Testing").
 */
export interface BenchRow {
  figure: string;
  value: number;
  unit: string;
  /** The `figure` of the row this one is compared with; omitted for a baseline itself. */
  baseline?: string;
}

export function formatTable(title: string, rows: BenchRow[]): string {
  const byFigure = new Map(rows.map((row) => [row.figure, row]));
  const cells = rows.map((row) => {
    const baseline = row.baseline === undefined ? undefined : byFigure.get(row.baseline);
    if (row.baseline !== undefined && !baseline) throw new Error(`Unknown baseline ${row.baseline} for ${row.figure}`);
    return [
      row.figure,
      formatNumber(row.value),
      row.unit,
      baseline ? `${(row.value / baseline.value).toPrecision(3)}× ${baseline.figure}` : 'baseline',
    ];
  });
  const header = ['figure', 'value', 'unit', 'ratio to baseline'];
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((cell) => cell[column].length)));
  const line = (cell: string[]) =>
    cell.map((text, column) => (column === 1 ? text.padStart(widths[column]) : text.padEnd(widths[column]))).join(' | ');
  return [title, line(header), widths.map((width) => '-'.repeat(width)).join('-|-'), ...cells.map(line)].join('\n');
}

function formatNumber(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}
