// Mermaid: blocks are marked drawable only once complete, and whatever SVG
// comes back is sanitised (the drawing itself needs a real browser: see
// tests/browser.test.mjs).
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown';
import { sanitizeSvg } from './mermaid';

function dom(html: string): HTMLElement {
  const div = document.createElement('div');
  div.innerHTML = html;
  return div;
}

describe('mermaid blocks', () => {
  it('are ready only once the closing fence has arrived', () => {
    const src = '```mermaid\ngraph TD\n  A --> B\n';
    expect(dom(renderMarkdown(src)).querySelector('.mermaid-source:not(.mermaid-ready)')).not.toBeNull();
    expect(dom(renderMarkdown(src + '```')).querySelector('.mermaid-source.mermaid-ready')).not.toBeNull();
    expect(dom(renderMarkdown('> ~~~mermaid\n> graph TD\n> ~~~\n\nafter')).querySelector('.mermaid-ready')).not.toBeNull();
    expect(dom(renderMarkdown('```js\nx\n```')).querySelector('.mermaid-source')).toBeNull();
  });

  it('keep the source as text for the code view', () => {
    const root = dom(renderMarkdown('```mermaid\ngraph TD\n  A["<img src=x onerror=alert(1)>"] --> B\n```'));
    expect(root.querySelector('pre')?.textContent).toBe('graph TD\n  A["<img src=x onerror=alert(1)>"] --> B\n');
    expect(root.querySelector('img')).toBeNull();
  });
});

const svgPayloads = [
  '<svg><script>alert(1)</script></svg>',
  '<svg onload="alert(1)"><g onclick="alert(1)"><rect/></g></svg>',
  '<svg><a href="javascript:alert(1)"><text>x</text></a></svg>',
  '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
  '<svg><foreignObject><div><img src=x onerror=alert(1)></div></foreignObject></svg>',
  '<svg><image href="https://evil.example/leak.png"/></svg>',
  '<svg><use href="data:image/svg+xml,<svg id=x onload=alert(1)>#x"/></svg>',
  '<svg><animate attributeName="href" values="javascript:alert(1)"/></svg>',
  '<svg><set attributeName="onmouseover" to="alert(1)"/></svg>',
  '<svg><g class="node clickable" data-callback="alert"><text>ok</text></g></svg>',
];

describe('mermaid SVG sanitising', () => {
  for (const p of svgPayloads) {
    it(`keeps ${JSON.stringify(p).slice(0, 60)} inert`, () => {
      const root = dom(sanitizeSvg(p));
      expect(root.querySelectorAll('script, foreignObject, foreignobject, image, use, animate, set, img, a[href], a[xlink\\:href]').length).toBe(0);
      for (const el of Array.from(root.querySelectorAll('*'))) {
        for (const attr of Array.from(el.attributes)) {
          expect(attr.name.startsWith('on') || attr.name.startsWith('data-') || /href$/.test(attr.name), `${el.tagName} ${attr.name}`).toBe(false);
          expect(/javascript:|https?:/i.test(attr.value), `${el.tagName} ${attr.name}=${attr.value}`).toBe(false);
        }
      }
    });
  }

  it('keeps what a diagram is made of', () => {
    const root = dom(sanitizeSvg('<svg viewBox="0 0 10 10"><style>.node{fill:red}</style><g class="node"><rect width="5" height="5"/><path d="M0 0L1 1" marker-end="url(#arrow)"/><text>A</text></g></svg>'));
    expect(root.querySelector('svg style')?.textContent).toBe('.node{fill:red}');
    expect(root.querySelector('g.node rect')).not.toBeNull();
    expect(root.querySelector('path')?.getAttribute('marker-end')).toBe('url(#arrow)');
    expect(root.querySelector('text')?.textContent).toBe('A');
  });
});
