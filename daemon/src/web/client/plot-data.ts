/** uPlot's data shape and how series become it: pure (no DOM), so it is unit-tested in Node. */

/** x values, then one column of y values (null: no value at that x) per series. */
export type PlotData = [number[], ...Array<Array<number | null>>];

/**
 * Join several (x, y) series on a shared, sorted x axis (uPlot's aligned data), with null where a
 * series has no value at that x.
 */
export function alignSeries(series: Array<Array<[number, number | null]>>): PlotData {
  const xs = [...new Set(series.flatMap((s) => s.map(([x]) => x)))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const columns = series.map((s) => {
    const col: Array<number | null> = new Array<number | null>(xs.length).fill(null);
    for (const [x, y] of s) {
      const i = index.get(x);
      if (i !== undefined) col[i] = y;
    }
    return col;
  });
  return [xs, ...columns];
}
