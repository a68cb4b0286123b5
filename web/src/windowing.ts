// Keeping long lists cheap: the chat list renders only the rows in view (all
// rows have one height), and a long conversation renders only its latest
// messages, more as the reader scrolls up.

export interface Range {
  start: number; // first row rendered
  end: number; // one past the last
}

// Rows [start, end) cover the viewport plus `overscan` rows on either side.
export function visibleRange(scrollTop: number, viewport: number, rowHeight: number, count: number, overscan = 8): Range {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: Math.max(0, count) };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const last = Math.ceil((Math.max(0, scrollTop) + Math.max(0, viewport)) / rowHeight);
  return { start: Math.max(0, Math.min(count, first - overscan)), end: Math.min(count, last + overscan) };
}

// Messages rendered at first, and added each time the reader reaches the top.
export const MESSAGE_PAGE = 30;

// The first index of a conversation of `total` messages to render when the
// latest `shown` ones are wanted.
export function firstShown(total: number, shown: number): number {
  return Math.max(0, total - Math.max(0, shown));
}
