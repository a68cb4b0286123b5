// Keeping long lists cheap: the chat list renders only the rows in view (all
// rows have one height), and a long conversation renders a window of its
// messages that moves as the reader scrolls.

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

// A long conversation keeps a window of its messages mounted: the latest
// page at first, a page more at whichever end the reader reaches, and pages
// beyond MESSAGE_WINDOW dropped at the other end, so the DOM (and the Markdown
// rendered) stays bounded however far one scrolls.
export const MESSAGE_PAGE = 30;
export const MESSAGE_WINDOW = 90;

// Messages [start, end) of `total` are mounted.
export interface MessageWindow extends Range {
  total: number;
}

export function latestWindow(total: number): MessageWindow {
  const n = Math.max(0, total);
  return { start: Math.max(0, n - MESSAGE_PAGE), end: n, total: n };
}

export function earlierWindow(w: MessageWindow): MessageWindow {
  const start = Math.max(0, w.start - MESSAGE_PAGE);
  return { start, end: Math.min(w.end, start + MESSAGE_WINDOW), total: w.total };
}

export function laterWindow(w: MessageWindow): MessageWindow {
  const end = Math.min(w.total, w.end + MESSAGE_PAGE);
  return { start: Math.max(w.start, end - MESSAGE_WINDOW), end, total: w.total };
}
