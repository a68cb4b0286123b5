import { describe, expect, it } from 'vitest';
import { earlierWindow, latestWindow, laterWindow, MESSAGE_WINDOW, visibleRange } from './windowing';

describe('visibleRange', () => {
  it('covers the viewport plus the overscan', () => {
    expect(visibleRange(0, 340, 34, 1000, 5)).toEqual({ start: 0, end: 15 });
    expect(visibleRange(3400, 340, 34, 1000, 5)).toEqual({ start: 95, end: 115 });
  });
  it('stays inside the list', () => {
    expect(visibleRange(34 * 990, 340, 34, 1000, 5)).toEqual({ start: 985, end: 1000 });
    expect(visibleRange(99999, 340, 34, 10, 5)).toEqual({ start: 10, end: 10 });
    expect(visibleRange(-50, 340, 34, 3, 5)).toEqual({ start: 0, end: 3 });
    expect(visibleRange(0, 340, 34, 0)).toEqual({ start: 0, end: 0 });
  });
  it('renders everything when rows have no height yet', () => {
    expect(visibleRange(0, 340, 0, 7)).toEqual({ start: 0, end: 7 });
  });
  it('keeps the DOM bounded however long the list', () => {
    const { start, end } = visibleRange(123456, 800, 34, 100000);
    expect(end - start).toBeLessThan(50);
  });
});

describe('message window', () => {
  it('starts with the latest page', () => {
    expect(latestWindow(600)).toEqual({ start: 570, end: 600, total: 600 });
    expect(latestWindow(20)).toEqual({ start: 0, end: 20, total: 20 });
    expect(latestWindow(0)).toEqual({ start: 0, end: 0, total: 0 });
  });
  it('grows a page at a time up to the window, then drops the far end', () => {
    let w = latestWindow(600);
    w = earlierWindow(w);
    expect(w).toEqual({ start: 540, end: 600, total: 600 });
    w = earlierWindow(earlierWindow(w));
    expect(w).toEqual({ start: 480, end: 570, total: 600 });
    expect(w.end - w.start).toBe(MESSAGE_WINDOW);
    w = laterWindow(w);
    expect(w).toEqual({ start: 510, end: 600, total: 600 });
    expect(laterWindow(w)).toEqual(w); // at the end already
  });
  it('reaches both ends of any chat with a bounded window', () => {
    let w = latestWindow(1000);
    for (let i = 0; i < 100; i++) {
      w = earlierWindow(w);
      expect(w.end - w.start).toBeLessThanOrEqual(MESSAGE_WINDOW);
    }
    expect(w.start).toBe(0);
    for (let i = 0; i < 100; i++) w = laterWindow(w);
    expect(w).toEqual({ start: 1000 - MESSAGE_WINDOW, end: 1000, total: 1000 });
  });
});
