/**
 * The sub-ranges of (fromMs, toMs] in which something holds, as (a, b] ranges in the sense of
 * occurrencesBetween, for something that only changes at known boundaries (a group's window edges, a
 * local midnight, a maintenance window's ends): the range is cut at each boundary and each piece takes
 * the state at its start. Ticks at a boundary belong to the piece it starts.
 */
export function rangesWhere(fromMs: number, toMs: number, nextBoundaryAfter: (ms: number) => number, holdsAt: (ms: number) => boolean): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let first = fromMs + 1; // the first instant of the current piece (included)
  while (first <= toMs) {
    const boundary = nextBoundaryAfter(first);
    const last = Number.isNaN(boundary) || boundary > toMs ? toMs : boundary - 1;
    if (holdsAt(first)) {
      const previous = ranges.at(-1);
      if (previous && previous[1] === first - 1) previous[1] = last;
      else ranges.push([first - 1, last]);
    }
    first = last + 1;
  }
  return ranges;
}
