// The message tree of a chat: each message names its parent, so an edit or a
// regeneration is a sibling. The UI shows one path, root to the current leaf.
import type { Message } from './api';

export interface Tree {
  byId: Map<number, Message>;
  children: Map<number | null, Message[]>; // in creation order
}

export function buildTree(messages: Message[]): Tree {
  const byId = new Map<number, Message>();
  const children = new Map<number | null, Message[]>();
  for (const m of messages) {
    byId.set(m.id, m);
    const key = m.parent_id ?? null;
    const list = children.get(key) ?? [];
    list.push(m);
    children.set(key, list);
  }
  return { byId, children };
}

// Root to leaf. A missing leaf (or none) shows the newest path.
export function pathTo(tree: Tree, leaf: number | null): Message[] {
  let id: number | null = leaf !== null && tree.byId.has(leaf) ? leaf : newestLeafFrom(tree, null);
  const path: Message[] = [];
  const seen = new Set<number>();
  while (id !== null && !seen.has(id)) {
    seen.add(id);
    const m = tree.byId.get(id);
    if (!m) break;
    path.push(m);
    id = m.parent_id ?? null;
  }
  return path.reverse();
}

// Follows the newest child from start down to a leaf.
export function newestLeafFrom(tree: Tree, start: number | null): number | null {
  let id = start;
  const seen = new Set<number>();
  for (;;) {
    const kids = tree.children.get(id);
    if (!kids || kids.length === 0 || (id !== null && seen.has(id))) return id;
    if (id !== null) seen.add(id);
    id = kids[kids.length - 1].id;
  }
}

export interface Siblings {
  index: number; // 0-based position of the message among its siblings
  count: number;
  prev: number | null; // sibling ids to switch to
  next: number | null;
}

export function siblingsOf(tree: Tree, m: Message): Siblings {
  const list = tree.children.get(m.parent_id ?? null) ?? [m];
  const index = Math.max(0, list.findIndex((x) => x.id === m.id));
  return {
    index,
    count: list.length,
    prev: index > 0 ? list[index - 1].id : null,
    next: index < list.length - 1 ? list[index + 1].id : null,
  };
}
