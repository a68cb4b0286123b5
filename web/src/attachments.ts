// Files attached to a question. Text files and the text of PDFs go into the
// prompt (cut at a limit, and the cut is shown); images go to vision models
// as base64.
import type { Key } from './i18n';
import { MAX_PDF_BYTES, pdfFileText } from './pdf';

// A file that cannot be attached; the UI shows `key` translated.
export class AttachmentError extends Error {
  constructor(
    readonly key: Key,
    readonly vars: Record<string, string | number>,
  ) {
    super(`${key}: ${JSON.stringify(vars)}`);
  }
}

export interface TextAttachment {
  type: 'text';
  name: string;
  content: string;
  size: number; // characters before any cut
  truncated: boolean;
}

export interface ImageAttachment {
  type: 'image';
  name: string;
  data: string; // base64, no data: prefix (Ollama's images field)
  mime: string;
}

export type Attachment = TextAttachment | ImageAttachment;

// About a quarter of the default 4096-token context per file, at ~4 characters a token.
export const MAX_TEXT_CHARS = 16000;
export const MAX_IMAGE_BYTES = 10 << 20;

export function cutText(name: string, text: string, limit = MAX_TEXT_CHARS): TextAttachment {
  const truncated = text.length > limit;
  return { type: 'text', name, content: truncated ? text.slice(0, limit) : text, size: text.length, truncated };
}

export function isImage(file: { type: string }): boolean {
  return /^image\/(png|jpeg|gif|webp)$/.test(file.type);
}

export function isText(file: { type: string; name: string }): boolean {
  return (
    file.type.startsWith('text/') ||
    /\.(txt|md|markdown|csv|tsv|json|ya?ml|toml|xml|html?|css|js|ts|tsx|jsx|py|rb|go|rs|c|h|cc|cpp|hpp|java|kt|sh|sql|log|ini|cfg)$/i.test(file.name)
  );
}

export function isPdf(file: { type: string; name: string }): boolean {
  return file.type === 'application/pdf' || /\.pdf$/i.test(file.name);
}

// The question as the model sees it: the typed text, then each text file.
export function promptWith(content: string, attachments: readonly unknown[] | undefined): string {
  let out = content;
  for (const a of attachments ?? []) {
    const t = a as Partial<TextAttachment>;
    if (t.type !== 'text' || typeof t.content !== 'string') continue;
    const fence = t.content.includes('```') ? '~~~~' : '```';
    out += `\n\n--- ${t.name ?? 'file'}${t.truncated ? ` (first ${t.content.length} of ${t.size} characters)` : ''} ---\n${fence}\n${t.content}\n${fence}`;
  }
  return out;
}

export function imagesOf(attachments: readonly unknown[] | undefined): string[] {
  return (attachments ?? [])
    .map((a) => a as Partial<ImageAttachment>)
    .filter((a) => a.type === 'image' && typeof a.data === 'string')
    .map((a) => a.data as string);
}

export async function readAttachment(file: File): Promise<Attachment> {
  if (isImage(file)) {
    if (file.size > MAX_IMAGE_BYTES) throw new AttachmentError('imageTooLarge', { name: file.name, mb: MAX_IMAGE_BYTES >> 20 });
    const bytes = new Uint8Array(await file.arrayBuffer());
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return { type: 'image', name: file.name, data: btoa(bin), mime: file.type };
  }
  if (isPdf(file)) {
    if (file.size > MAX_PDF_BYTES) throw new AttachmentError('pdfTooLarge', { name: file.name, mb: MAX_PDF_BYTES >> 20 });
    let text: string;
    try {
      text = await pdfFileText(file);
    } catch (e) {
      throw new AttachmentError('pdfUnreadable', { name: file.name, error: (e as Error).message });
    }
    if (!text.trim()) throw new AttachmentError('pdfNoText', { name: file.name });
    return cutText(file.name, text);
  }
  if (isText(file)) return cutText(file.name, await file.text());
  throw new AttachmentError('unsupportedFile', { name: file.name });
}
