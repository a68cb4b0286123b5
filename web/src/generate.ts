// One answer: store the question and an empty answer, stream /api/chat into
// it, save the partial text as it arrives (a reload mid-answer keeps it),
// then store the final text and stats. Stopping keeps what arrived.
import { api, streamChat, type Chat, type Message } from './api';
import { imagesOf, promptWith, type Attachment } from './attachments';
import type { GenStats } from './stats';
import { buildTree, pathTo } from './tree';

export const SAVE_EVERY_MS = 1000;
// The page shows a streaming answer at most this often: tokens arrive faster
// than a reader can follow, and each showing costs layout and Markdown work.
export const SHOW_EVERY_MS = 50;

export interface GenerateArgs {
  chat: Chat;
  model: string;
  userText: string | null; // null: regenerate an answer under parentId
  attachments?: Attachment[];
  parentId: number | null;
  think: boolean;
  signal: AbortSignal;
  onUpdate: (chat: Chat) => void; // a new chat object whenever something changed
}

function withMessage(chat: Chat, m: Message): Chat {
  const messages = chat.messages.map((x) => (x.id === m.id ? m : x));
  return { ...chat, messages };
}

// What /api/chat gets: the chat's system prompt, then the branch up to the question.
export function historyFor(chat: Chat, leafId: number | null) {
  const out: { role: string; content: string; images?: string[] }[] = [];
  if (chat.settings.system) out.push({ role: 'system', content: chat.settings.system });
  if (leafId === null) return out;
  for (const m of pathTo(buildTree(chat.messages), leafId)) {
    if (m.role === 'assistant' && m.status === 'error') continue;
    const images = imagesOf(m.attachments);
    out.push({ role: m.role, content: promptWith(m.content, m.attachments), ...(images.length ? { images } : {}) });
  }
  return out;
}

export async function generate(a: GenerateArgs): Promise<Chat> {
  const toAdd: Partial<Message>[] = [];
  if (a.userText !== null) {
    toAdd.push({ role: 'user', content: a.userText, parent_id: a.parentId, attachments: a.attachments ?? [] });
  }
  toAdd.push({
    role: 'assistant',
    content: '',
    status: 'streaming',
    model: a.model,
    ...(a.userText === null ? { parent_id: a.parentId } : {}),
  });
  const { messages: added } = await api.addMessages(a.chat.id, toAdd);
  let chat: Chat = { ...a.chat, messages: [...a.chat.messages, ...added], current_message_id: added[added.length - 1].id };
  a.onUpdate(chat);
  let answer = added[added.length - 1];

  let lastSave = Date.now();
  let saving: Promise<unknown> = Promise.resolve();
  const save = (patch: Partial<Message>) => {
    saving = saving.then(() => api.updateMessage(chat.id, answer.id, patch)).catch(() => undefined);
    return saving;
  };

  // Tokens only extend `answer`; showing it is coalesced into one update per
  // SHOW_EVERY_MS, on a timer, so the page renders between updates.
  let showTimer: ReturnType<typeof setTimeout> | null = null;
  const show = () => {
    showTimer = null;
    chat = withMessage(chat, answer);
    a.onUpdate(chat);
  };

  let final: GenStats = {};
  let status: Message['status'] = 'done';
  let errorText = '';
  try {
    final = await streamChat(
      {
        model: a.model,
        messages: historyFor(chat, answer.parent_id),
        options: chat.settings.options,
        ...(a.think ? { think: true } : {}),
      },
      a.signal,
      (c) => {
        if (!c.message) return;
        answer = {
          ...answer,
          content: answer.content + (c.message.content ?? ''),
          thinking: answer.thinking + (c.message.thinking ?? ''),
        };
        showTimer ??= setTimeout(show, SHOW_EVERY_MS);
        if (Date.now() - lastSave >= SAVE_EVERY_MS) {
          lastSave = Date.now();
          void save({ content: answer.content, thinking: answer.thinking });
        }
      },
    );
  } catch (e) {
    if (a.signal.aborted) status = 'stopped';
    else {
      status = 'error';
      errorText = (e as Error).message;
    }
  }
  if (showTimer !== null) clearTimeout(showTimer);
  const stats: GenStats = {};
  for (const k of ['total_duration', 'prompt_eval_count', 'prompt_eval_duration', 'eval_count', 'eval_duration'] as const) {
    if (typeof final[k] === 'number') stats[k] = final[k];
  }
  answer = {
    ...answer,
    status,
    stats: errorText ? { ...stats, error: errorText } as GenStats : stats,
  };
  chat = withMessage(chat, answer);
  a.onUpdate(chat);
  await save({ content: answer.content, thinking: answer.thinking, status, stats: answer.stats });
  return chat;
}

export function titleFrom(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 60 ? line.slice(0, 57) + '…' : line;
}
