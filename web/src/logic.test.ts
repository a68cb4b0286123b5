import { describe, expect, it } from 'vitest';
import type { Chat, Message } from './api';
import { cutText, imagesOf, isImage, isText, promptWith } from './attachments';
import { historyFor, titleFrom } from './generate';
import { dictionaries, detectLanguage, translate } from './i18n';
import { NdjsonDecoder } from './ndjson';
import { contextUse, formatRate, tokensPerSecond } from './stats';
import { buildTree, newestLeafFrom, pathTo, siblingsOf } from './tree';

function msg(id: number, parent: number | null, role: Message['role'], content = `m${id}`): Message {
  return { id, parent_id: parent, role, content, thinking: '', model: '', status: 'done', attachments: [], stats: {}, created_at: id, updated_at: id };
}

// q1 ─ a2            (first answer)
//    └ a3 ─ q4 ─ a5  (regenerated, then continued)
// q6                 (an edited first question: a second root)
const messages = [msg(1, null, 'user'), msg(2, 1, 'assistant'), msg(3, 1, 'assistant'), msg(4, 3, 'user'), msg(5, 4, 'assistant'), msg(6, null, 'user')];

describe('ndjson', () => {
  it('joins lines split across chunks and splits several lines in one chunk', () => {
    const d = new NdjsonDecoder();
    expect(d.push('{"a":1}\n{"b"')).toEqual([{ a: 1 }]);
    expect(d.push(':2}\n\n{"c":3}\n{"d":')).toEqual([{ b: 2 }, { c: 3 }]);
    expect(d.push('4}')).toEqual([]);
    expect(d.flush()).toEqual([{ d: 4 }]);
    expect(d.flush()).toEqual([]);
  });
  it('throws on a broken line rather than skipping it', () => {
    expect(() => new NdjsonDecoder().push('{oops}\n')).toThrow();
  });
});

describe('message tree', () => {
  const tree = buildTree(messages);
  it('walks root to leaf', () => {
    expect(pathTo(tree, 5).map((m) => m.id)).toEqual([1, 3, 4, 5]);
    expect(pathTo(tree, 2).map((m) => m.id)).toEqual([1, 2]);
  });
  it('shows the newest path when the leaf is unknown', () => {
    expect(pathTo(tree, null).map((m) => m.id)).toEqual([6]);
    expect(pathTo(tree, 999).map((m) => m.id)).toEqual([6]);
  });
  it('lists siblings for branch navigation', () => {
    expect(siblingsOf(tree, tree.byId.get(2)!)).toEqual({ index: 0, count: 2, prev: null, next: 3 });
    expect(siblingsOf(tree, tree.byId.get(3)!)).toEqual({ index: 1, count: 2, prev: 2, next: null });
    expect(siblingsOf(tree, tree.byId.get(1)!)).toEqual({ index: 0, count: 2, prev: null, next: 6 });
    expect(siblingsOf(tree, tree.byId.get(4)!).count).toBe(1);
  });
  it('switching to a sibling lands on its newest leaf', () => {
    expect(newestLeafFrom(tree, 3)).toBe(5);
    expect(newestLeafFrom(tree, 2)).toBe(2);
  });
  it('survives a cycle in corrupt data', () => {
    const bad = buildTree([msg(1, 2, 'user'), msg(2, 1, 'assistant')]);
    expect(pathTo(bad, 1).length).toBeLessThanOrEqual(2);
  });
});

describe('generation helpers', () => {
  const chat: Chat = { id: 1, title: '', pinned: false, folder: '', created_at: 0, updated_at: 0, settings: { system: 'sys' }, current_message_id: 5, messages };
  it('sends the system prompt and the branch, skipping failed answers', () => {
    const withError = { ...chat, messages: messages.map((m) => (m.id === 3 ? { ...m, status: 'error' as const } : m)) };
    expect(historyFor(withError, 4)).toEqual([
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'm1' },
      { role: 'user', content: 'm4' },
    ]);
    expect(historyFor({ ...chat, settings: {} }, null)).toEqual([]);
  });
  it('titles a chat from its first line', () => {
    expect(titleFrom('  hello\nworld')).toBe('hello');
    expect(titleFrom('x'.repeat(80))).toHaveLength(58);
  });
});

describe('stats', () => {
  it('computes tokens per second from nanoseconds', () => {
    expect(tokensPerSecond(50, 2e9)).toBe(25);
    expect(tokensPerSecond(0, 1e9)).toBeNull();
    expect(tokensPerSecond(5, 0)).toBeNull();
    expect(formatRate(123.456)).toBe('123');
    expect(formatRate(12.345)).toBe('12.3');
  });
  it('measures the context used by prompt and answer', () => {
    expect(contextUse({ prompt_eval_count: 100, eval_count: 28 }, 256)).toEqual({ used: 128, ratio: 0.5 });
    expect(contextUse({ prompt_eval_count: 400, eval_count: 0 }, 256)!.ratio).toBe(1);
    expect(contextUse({}, 256)).toBeNull();
  });
});

describe('i18n', () => {
  it('translates every key into German', () => {
    const en = dictionaries.en;
    const de = dictionaries.de;
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort());
    const same = Object.keys(en).filter((k) => en[k as keyof typeof en] === de[k as keyof typeof en]);
    // Words that are the same in both languages, on purpose (folderCount: no words).
    expect(same.sort()).toEqual(['appName', 'branch', 'chats', 'folderCount', 'modelName', 'ok', 'seed', 'themeSystem'].sort());
  });
  it('keeps placeholders in both languages', () => {
    for (const k of Object.keys(dictionaries.en) as (keyof typeof dictionaries.en)[]) {
      const vars = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      expect(vars(dictionaries.de[k]), k).toEqual(vars(dictionaries.en[k]));
    }
  });
  it('picks the language from the browser', () => {
    expect(detectLanguage(['de-AT', 'en'])).toBe('de');
    expect(detectLanguage(['fr-FR', 'en-GB'])).toBe('en');
    expect(detectLanguage(['fr'])).toBe('en');
    expect(translate('de', 'tokens', { n: 3 })).toBe('3 Token');
  });
});

describe('attachments', () => {
  it('cuts long text and says so', () => {
    const a = cutText('a.txt', 'x'.repeat(50), 20);
    expect(a).toMatchObject({ truncated: true, size: 50 });
    expect(a.content).toHaveLength(20);
    expect(cutText('b.txt', 'short', 20).truncated).toBe(false);
  });
  it('puts text files into the prompt, marking cuts', () => {
    const p = promptWith('Summarise', [cutText('notes.md', 'abcdef', 3), { type: 'image', name: 'i.png', data: 'AA==', mime: 'image/png' }]);
    expect(p).toBe('Summarise\n\n--- notes.md (first 3 of 6 characters) ---\n```\nabc\n```');
    expect(promptWith('q', [cutText('c.md', 'has ``` inside')])).toContain('~~~~\nhas ``` inside\n~~~~');
    expect(promptWith('plain', undefined)).toBe('plain');
  });
  it('collects images for vision models', () => {
    expect(imagesOf([{ type: 'image', data: 'AA==' }, { type: 'text', content: 'x' }, { type: 'image' }])).toEqual(['AA==']);
  });
  it('tells text and images apart', () => {
    expect(isText({ type: '', name: 'main.py' })).toBe(true);
    expect(isText({ type: 'application/pdf', name: 'x.pdf' })).toBe(false);
    expect(isImage({ type: 'image/png' })).toBe(true);
    expect(isImage({ type: 'image/svg+xml' })).toBe(false); // SVG can carry script
  });
});
