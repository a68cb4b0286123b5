// Incremental Markdown for the answer that is streaming: its text is cut into
// top-level blocks at blank lines, the finished blocks keep the HTML they got
// once, and only the last, growing block is rendered again on each update.
// So an update costs the size of one block, not of the whole answer. A
// finished answer is rendered whole (renderMarkdown) as before: the cut is
// only a streaming approximation (a later reference definition or a list
// made loose by a later blank line shows correctly once the answer is done).

// A fence opener: up to three spaces, then ``` or ~~~ (three or more).
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
// A line that continues the block above even after a blank line: indented
// (list item continuation, indented code), a list item, or a blockquote.
const CONTINUES = /^(\s|[-*+]\s|\d{1,9}[.)]\s|>)/;

// Splits `text` into blocks. Each block but the last ends where a blank line
// outside a code fence or a $$ math block is followed by a line that starts
// a new block; the last block is the unfinished rest. Joining the blocks
// gives `text` back.
export function splitBlocks(text: string): string[] {
  const out: string[] = [];
  let start = 0; // where the current block begins
  let pos = 0;
  let fence = ''; // the open fence's marker, '' when none
  let math = false; // inside a $$ block
  let blankBefore = false; // the previous line was blank (outside fence and math)
  let content = false; // the current block has a non-blank line
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl + 1;
    const line = text.slice(pos, nl < 0 ? text.length : nl);
    if (!fence && !math && blankBefore && content && line.trim() && !CONTINUES.test(line)) {
      out.push(text.slice(start, pos));
      start = pos;
    }
    if (line.trim()) content = true;
    const f = FENCE.exec(line);
    if (fence) {
      if (f && f[1][0] === fence[0] && f[1].length >= fence.length && !line.slice(f[0].length).trim()) fence = '';
    } else if (f) {
      fence = f[1];
    } else if (line.trim() === '$$') {
      math = !math;
    }
    blankBefore = !fence && !math && !line.trim();
    pos = end;
  }
  if (start < text.length || out.length === 0) out.push(text.slice(start));
  return out;
}

// Remembers the HTML of finished blocks between calls.
export class IncrementalMarkdown {
  private done: { src: string; html: string }[] = [];

  constructor(private readonly render: (src: string) => string) {}

  // One HTML string per block; unchanged finished blocks are the same strings
  // as last time (so a keyed renderer leaves their DOM alone).
  blocks(text: string): string[] {
    const parts = splitBlocks(text);
    const html: string[] = [];
    for (let i = 0; i < parts.length - 1; i++) {
      const cached = this.done[i];
      if (cached?.src === parts[i]) {
        html.push(cached.html);
      } else {
        const h = this.render(parts[i]);
        this.done[i] = { src: parts[i], html: h };
        html.push(h);
      }
    }
    this.done.length = Math.max(0, parts.length - 1);
    html.push(this.render(parts[parts.length - 1]));
    return html;
  }
}
