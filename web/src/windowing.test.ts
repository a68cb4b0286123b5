import { describe, expect, it } from 'vitest';
import { firstShown, visibleRange } from './windowing';

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

describe('firstShown', () => {
  it('shows the latest messages', () => {
    expect(firstShown(600, 30)).toBe(570);
    expect(firstShown(20, 30)).toBe(0);
    expect(firstShown(600, 0)).toBe(600);
  });
});
