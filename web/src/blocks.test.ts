import { describe, expect, it } from 'vitest';
import { IncrementalMarkdown, splitBlocks } from './blocks';
import { renderMarkdown } from './markdown';

describe('splitBlocks', () => {
  it('cuts at blank lines followed by a new block, and joins back to the text', () => {
    const text = '# Title\n\nA paragraph\nwith two lines.\n\nAnother one';
    const parts = splitBlocks(text);
    expect(parts).toEqual(['# Title\n\n', 'A paragraph\nwith two lines.\n\n', 'Another one']);
    expect(parts.join('')).toBe(text);
  });
  it('keeps a fenced block whole, blank lines and all, until it closes', () => {
    const open = 'Intro\n\n```js\nlet a;\n\nlet b;\n';
    expect(splitBlocks(open)).toEqual(['Intro\n\n', '```js\nlet a;\n\nlet b;\n']);
    const closed = open + '```\n\nAfter';
    expect(splitBlocks(closed)).toEqual(['Intro\n\n', '```js\nlet a;\n\nlet b;\n```\n\n', 'After']);
    // A shorter or different marker does not close it.
    expect(splitBlocks('````\na\n```\n\nb')).toEqual(['````\na\n```\n\nb']);
    expect(splitBlocks('~~~\na\n```\n\nb')).toEqual(['~~~\na\n```\n\nb']);
  });
  it('keeps $$ math, list items and indented continuations with their block', () => {
    expect(splitBlocks('$$\nx\n\ny\n$$\n\nz')).toEqual(['$$\nx\n\ny\n$$\n\n', 'z']);
    expect(splitBlocks('- a\n\n- b\n\n  more of b\n\nend')).toEqual(['- a\n\n- b\n\n  more of b\n\n', 'end']);
    expect(splitBlocks('1. a\n\n2. b')).toEqual(['1. a\n\n2. b']);
    expect(splitBlocks('> quote\n\n> more')).toEqual(['> quote\n\n> more']);
  });
  it('handles empty text, no blank lines and trailing blank lines', () => {
    expect(splitBlocks('')).toEqual(['']);
    expect(splitBlocks('one line')).toEqual(['one line']);
    expect(splitBlocks('a\n\n\n')).toEqual(['a\n\n\n']);
    expect(splitBlocks('\n\nx')).toEqual(['\n\nx']);
  });
});

describe('IncrementalMarkdown', () => {
  it('renders finished blocks once and only the last block again', () => {
    const rendered: string[] = [];
    const inc = new IncrementalMarkdown((src) => {
      rendered.push(src);
      return renderMarkdown(src);
    });
    const first = inc.blocks('# Title\n\nSome **bold');
    const second = inc.blocks('# Title\n\nSome **bold** text\n\nMore');
    expect(rendered).toEqual(['# Title\n\n', 'Some **bold', 'Some **bold** text\n\n', 'More']);
    expect(second[0]).toBe(first[0]);
    expect(second.join('')).toBe(renderMarkdown('# Title\n\nSome **bold** text\n\nMore'));
  });
  it('renders a block again when its text changed (a new chat, an edit)', () => {
    const inc = new IncrementalMarkdown((src) => src.toUpperCase());
    expect(inc.blocks('a\n\nb')).toEqual(['A\n\n', 'B']);
    expect(inc.blocks('c\n\nd\n\ne')).toEqual(['C\n\n', 'D\n\n', 'E']);
    expect(inc.blocks('x')).toEqual(['X']);
  });
  it('keeps what it renders sanitised, block by block', () => {
    const inc = new IncrementalMarkdown((src) => renderMarkdown(src));
    const div = document.createElement('div');
    div.innerHTML = inc.blocks('<script>alert(1)</script>\n\n[x](javascript:alert(1))\n\n<img src=x onerror=alert(1)>\n\n[ok](https://example.com)').join('');
    expect(div.querySelectorAll('script, img').length).toBe(0);
    expect([...div.querySelectorAll('a')].map((a) => a.getAttribute('href'))).toEqual(['https://example.com']);
  });
});
