// The chat list, windowed: only the rows in view (and a few around them) are
// in the DOM, so hundreds or thousands of chats stay cheap; reaching the end
// asks the sidebar for the next page. Every row, headings included, has the
// same height (styles.css: --row).
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { visibleRange } from '../windowing';

export type Row = { key: string; head: string } | { key: string; render: () => ComponentChildren };

interface Props {
  rows: Row[];
  label: string;
  onEnd: () => void; // the last rows are in view
  resetKey: string; // a new search or filter: back to the top
  children?: ComponentChildren; // shown above the rows (empty list, errors)
}

const FALLBACK_ROW = 34;

export function ChatList(p: Props) {
  const nav = useRef<HTMLElement>(null);
  const [view, setView] = useState({ top: 0, height: 800, row: FALLBACK_ROW });

  const measure = () => {
    const el = nav.current;
    if (!el) return;
    const row = parseFloat(getComputedStyle(el).getPropertyValue('--row-px')) || FALLBACK_ROW;
    setView((v) => (v.top === el.scrollTop && v.height === el.clientHeight && v.row === row ? v : { top: el.scrollTop, height: el.clientHeight, row }));
  };
  useLayoutEffect(() => {
    measure();
    const ro = new ResizeObserver(measure);
    if (nav.current) ro.observe(nav.current);
    return () => ro.disconnect();
  }, []);

  useLayoutEffect(() => {
    if (nav.current) nav.current.scrollTop = 0;
    measure();
  }, [p.resetKey]);

  const { start, end } = visibleRange(view.top, view.height, view.row, p.rows.length);
  useLayoutEffect(() => {
    if (end >= p.rows.length - 5) p.onEnd();
  }, [end, p.rows.length]);

  return (
    <nav class="chat-list" aria-label={p.label} ref={nav} onScroll={measure}>
      {p.children}
      <ul style={{ paddingTop: `${start * view.row}px`, paddingBottom: `${(p.rows.length - end) * view.row}px` }}>
        {p.rows.slice(start, end).map((r) =>
          'head' in r ? <li key={r.key} class="list-head" role="presentation">{r.head}</li> : r.render(),
        )}
      </ul>
    </nav>
  );
}
