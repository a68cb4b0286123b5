// Mermaid diagrams in answers. A ```mermaid block becomes a diagram only once
// its closing fence has arrived (markdown.ts marks it `mermaid-ready`), so a
// streaming answer is not re-laid-out on every token; each source is drawn
// once and cached. Mermaid is loaded on first use (its own chunks), runs with
// securityLevel 'strict' (no click callbacks, no HTML labels), and its SVG is
// sanitised again here: no script, no foreignObject, no handlers, and links
// keep their <a> (Mermaid positions linked nodes with it) but lose the href.
// A source Mermaid cannot parse keeps showing as code.
import DOMPurify from 'dompurify';

type Mermaid = typeof import('mermaid').default;

const MAX_CACHED = 100;
const cache = new Map<string, string | null>(); // source -> SVG, null: not a diagram
let loaded: Promise<Mermaid> | null = null;
let loadedTheme = '';
let seq = 0;

export function sanitizeSvg(svg: string): string {
  return DOMPurify.sanitize(svg, {
    USE_PROFILES: { svg: true, svgFilters: true },
    ADD_TAGS: ['style'],
    FORBID_TAGS: ['script', 'foreignObject', 'iframe', 'image', 'use', 'animate', 'set', 'animateMotion', 'animateTransform'],
    FORBID_ATTR: ['href', 'xlink:href', 'src', 'action', 'formaction'],
    ALLOW_DATA_ATTR: false,
  });
}

function load(theme: string): Promise<Mermaid> {
  if (!loaded || loadedTheme !== theme) {
    loadedTheme = theme;
    loaded = import('mermaid').then((m) => {
      m.default.initialize({
        startOnLoad: false,
        securityLevel: 'strict',
        theme: theme === 'dark' ? 'dark' : 'default',
        htmlLabels: false,
        flowchart: { htmlLabels: false },
        maxTextSize: 50000,
        maxEdges: 1000,
      });
      return m.default;
    });
  }
  return loaded;
}

export async function diagramSvg(source: string, theme: string): Promise<string | null> {
  const key = `${theme}\n${source}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const mermaid = await load(theme);
  let svg: string | null = null;
  try {
    if (await mermaid.parse(source, { suppressErrors: true })) {
      svg = sanitizeSvg((await mermaid.render(`lokal-mermaid-${++seq}`, source)).svg);
    }
  } catch {
    svg = null; // a syntax Mermaid's parser let through but its renderer did not
  }
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(key, svg);
  return svg;
}

// Draws every complete mermaid block under `root` that is not drawn yet.
export async function renderDiagrams(root: HTMLElement | null, label: string): Promise<void> {
  const blocks = root ? Array.from(root.querySelectorAll<HTMLElement>('.code.mermaid-ready:not(.drawn)')) : [];
  const theme = document.documentElement.dataset.theme ?? 'light';
  for (const block of blocks) {
    const source = block.querySelector('pre')?.textContent ?? '';
    const svg = await diagramSvg(source, theme);
    if (!svg || !block.isConnected || block.classList.contains('drawn')) continue;
    const figure = document.createElement('figure');
    figure.className = 'mermaid-diagram';
    figure.setAttribute('role', 'img');
    figure.setAttribute('aria-label', label);
    figure.innerHTML = svg;
    block.classList.add('drawn');
    block.before(figure);
  }
}
