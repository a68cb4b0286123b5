// Calls to lokal: Ollama's native API for models and generation, and
// lokal's own /lokal/api/ for stored chats. Same origin only (the CSP's
// connect-src 'self'), so there is nothing to configure.
import { readNdjson } from './ndjson';
import type { GenStats } from './stats';

export interface ChatSettings {
  model?: string;
  system?: string;
  options?: Record<string, number>;
}

export interface ChatSummary {
  id: number;
  title: string;
  pinned: boolean;
  folder: string;
  created_at: number;
  updated_at: number;
}

export interface Folder {
  name: string;
  chats: number;
}

export type Role = 'system' | 'user' | 'assistant' | 'tool';
export type MessageStatus = 'done' | 'streaming' | 'stopped' | 'error';

export interface Message {
  id: number;
  parent_id: number | null;
  role: Role;
  content: string;
  thinking: string;
  model: string;
  status: MessageStatus;
  attachments: unknown[];
  stats: GenStats;
  created_at: number;
  updated_at: number;
}

export interface Chat extends ChatSummary {
  settings: ChatSettings;
  current_message_id: number | null;
  messages: Message[];
}

export interface ModelInfo {
  name: string;
  size: number;
  details?: { parameter_size?: string; quantization_level?: string; family?: string };
}

export interface ModelShow {
  capabilities?: string[];
  model_info?: Record<string, unknown>;
}

export class ApiError extends Error {
  retryAfter = 0; // seconds, from a 429's Retry-After
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

// With LOKAL_AUTH=1 the browser signs in with a session cookie; every
// state-changing request then carries the session's CSRF token, which only
// pages of this origin can read (from /lokal/api/auth/me or the login answer).
let csrfToken = '';
export function setCsrfToken(token: string | undefined) {
  csrfToken = token ?? '';
}
export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return csrfToken ? { ...extra, 'X-Lokal-CSRF': csrfToken } : extra;
}

export interface Me {
  auth: boolean;
  name?: string;
  role?: 'admin' | 'user';
  csrf_token?: string;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: authHeaders() };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  const r = await fetch(path, init);
  const text = await r.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!r.ok) {
    const msg = (data as { error?: string } | null)?.error ?? `HTTP ${r.status}`;
    const err = new ApiError(msg, r.status);
    err.retryAfter = Number(r.headers.get('Retry-After') ?? 0);
    throw err;
  }
  return data as T;
}

const C = '/lokal/api/chats';

export const api = {
  me: () => call<Me>('GET', '/lokal/api/auth/me'),
  login: (name: string, password: string) => call<Me>('POST', '/lokal/api/auth/login', { name, password }),
  logout: () => call<object>('POST', '/lokal/api/auth/logout'),
  changePassword: (current_password: string, password: string) =>
    call<object>('POST', '/lokal/api/auth/password', { current_password, password }),
  listChats: (q = '', limit = 200, offset = 0, folder = '') =>
    call<{ chats: ChatSummary[]; total: number }>(
      'GET',
      `${C}?${new URLSearchParams({ q, limit: String(limit), offset: String(offset), ...(folder ? { folder } : {}) })}`,
    ),
  // Every folder of the user's chats with its count, not only the loaded ones'.
  folders: () => call<{ folders: Folder[] }>('GET', '/lokal/api/folders'),
  createChat: (title: string, settings: ChatSettings) => call<ChatSummary>('POST', C, { title, settings }),
  getChat: (id: number) => call<Chat>('GET', `${C}/${id}`),
  updateChat: (id: number, patch: Partial<Pick<Chat, 'title' | 'pinned' | 'folder' | 'settings' | 'current_message_id'>>) =>
    call<ChatSummary>('PATCH', `${C}/${id}`, patch),
  deleteChat: (id: number) => call<object>('DELETE', `${C}/${id}`),
  addMessages: (id: number, messages: Partial<Message>[]) =>
    call<{ messages: Message[] }>('POST', `${C}/${id}/messages`, { messages }),
  updateMessage: (id: number, mid: number, patch: Partial<Pick<Message, 'content' | 'thinking' | 'status' | 'stats'>>) =>
    call<Message>('PATCH', `${C}/${id}/messages/${mid}`, patch),
  exportChatUrl: (id: number, format: 'json' | 'markdown') => `${C}/${id}/export?format=${format}`,
  exportAllUrl: () => '/lokal/api/export',
  importChats: (doc: unknown) => call<{ ids: number[] }>('POST', '/lokal/api/import', doc),

  tags: () => call<{ models: ModelInfo[] }>('GET', '/api/tags'),
  show: (model: string) => call<ModelShow>('POST', '/api/show', { model }),
  ps: () => call<{ models: { name: string; size: number; size_vram: number; expires_at: string }[] }>('GET', '/api/ps'),
  deleteModel: (model: string) => call<unknown>('DELETE', '/api/delete', { model }),
  createModel: (body: Record<string, unknown>) => call<{ status: string }>('POST', '/api/create', body),
  uploadBlob: async (digest: string, file: Blob) => {
    // As Ollama's clients do: skip the upload when the server already has the blob.
    if ((await fetch(`/api/blobs/${digest}`, { method: 'HEAD' })).ok) return;
    const r = await fetch(`/api/blobs/${digest}`, { method: 'POST', body: file, headers: authHeaders() });
    if (!r.ok) throw new ApiError((await r.text()) || `HTTP ${r.status}`, r.status);
  },
};

export interface ChatChunk {
  message?: { role: string; content?: string; thinking?: string };
  done?: boolean;
  done_reason?: string;
  error?: string;
}

export interface ChatRequest {
  model: string;
  messages: { role: string; content: string; images?: string[] }[];
  options?: Record<string, number>;
  think?: boolean;
}

// Streams /api/chat; each parsed line goes to onChunk. Resolves with the
// final object (its stats), rejects on an HTTP or in-stream error.
export async function streamChat(req: ChatRequest, signal: AbortSignal, onChunk: (c: ChatChunk) => void): Promise<ChatChunk & GenStats> {
  const r = await fetch('/api/chat', {
    method: 'POST',
    headers: authHeaders({ 'Content-Type': 'application/json' }),
    body: JSON.stringify({ ...req, stream: true }),
    signal,
  });
  if (!r.ok || !r.body) {
    const body = await r.text();
    let msg = `HTTP ${r.status}`;
    try {
      msg = JSON.parse(body).error ?? msg;
    } catch {
      /* not JSON */
    }
    throw new ApiError(msg, r.status);
  }
  let last: ChatChunk & GenStats = {};
  for await (const item of readNdjson(r.body)) {
    const c = item as ChatChunk & GenStats;
    if (c.error) throw new ApiError(c.error, 500);
    onChunk(c);
    last = c;
  }
  return last;
}

// Streams /api/pull progress. `insecure`: the registry may speak plain HTTP
// (Ollama's flag, for a registry on the local network).
export async function streamPull(
  model: string,
  insecure: boolean,
  signal: AbortSignal,
  onStatus: (s: { status: string; total?: number; completed?: number }) => void,
) {
  const r = await fetch('/api/pull', {
    method: 'POST',
    headers: authHeaders({ 'Content-Type': 'application/json' }),
    body: JSON.stringify({ model, stream: true, ...(insecure ? { insecure: true } : {}) }),
    signal,
  });
  if (!r.ok || !r.body) throw new ApiError((await r.text()) || `HTTP ${r.status}`, r.status);
  for await (const item of readNdjson(r.body)) {
    const s = item as { status: string; error?: string; total?: number; completed?: number };
    if (s.error) throw new ApiError(s.error, 500);
    onStatus(s);
  }
}
