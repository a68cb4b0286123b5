// The window of a long conversation's messages that is mounted (windowing.ts),
// their Markdown included: reaching either end (its "earlier"/"later" button
// comes into view, or is clicked) mounts a page more there and drops pages far
// off at the other end, and the message in view stays where it was on screen.
// A new message, or another branch, shows the latest page again.
import type { RefObject } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { earlierWindow, latestWindow, laterWindow, type MessageWindow } from '../windowing';

type Anchor = { id: string; top: number };

// The first message at least partly in view in the scroller, and how far its
// top is below the scroller's top.
function firstInView(list: HTMLElement | null): Anchor | null {
  if (!list) return null;
  const top = list.getBoundingClientRect().top;
  for (const el of list.querySelectorAll<HTMLElement>('[data-message-id]')) {
    const r = el.getBoundingClientRect();
    if (r.bottom > top) return { id: el.dataset.messageId!, top: r.top - top };
  }
  return null;
}

export function useMessageWindow(total: number, list: RefObject<HTMLElement>) {
  const [win, setWin] = useState<MessageWindow>(latestWindow(0));
  const w = win.total === total ? win : latestWindow(total);
  const earlier = useRef<HTMLButtonElement>(null);
  const later = useRef<HTMLButtonElement>(null);
  const anchor = useRef<Anchor | null>(null);

  const moveWindow = (to: (w: MessageWindow) => MessageWindow) => {
    anchor.current = firstInView(list.current);
    setWin((cur) => to(cur.total === total ? cur : latestWindow(total)));
  };

  // Before paint: put the message that was in view back where it was.
  useLayoutEffect(() => {
    const a = anchor.current;
    anchor.current = null;
    const el = list.current;
    const node = a && el?.querySelector(`[data-message-id="${a.id}"]`);
    if (a && el && node) el.scrollTop += node.getBoundingClientRect().top - el.getBoundingClientRect().top - a.top;
  }, [w.start, w.end]);

  // Observers report in the next frame, after ChatView's effects have scrolled
  // a newly opened chat to its bottom: its top edge does not count as reached.
  useEffect(() => {
    const edges = [earlier.current, later.current].filter((e): e is HTMLButtonElement => e !== null);
    if (!edges.length) return;
    const io = new IntersectionObserver(
      (entries) => {
        // Both ends in view (a window shorter than the screen): moving either
        // way would bring the other end in, back and forth; the buttons remain.
        const hits = entries.filter((e) => e.isIntersecting);
        if (hits.length === 1) moveWindow(hits[0].target === earlier.current ? earlierWindow : laterWindow);
      },
      { root: list.current },
    );
    edges.forEach((e) => io.observe(e));
    return () => io.disconnect();
  }, [w.start, w.end, w.total]);

  return {
    w,
    earlier,
    later,
    showEarlier: () => moveWindow(earlierWindow),
    showLater: () => moveWindow(laterWindow),
  };
}
