// @vitest-environment node
// PDF text extraction with the real pdf.js (its Node build) on PDFs written
// by tests/make-pdf.mjs, and the cut at the attachment limit.
import { describe, expect, it } from 'vitest';
import { cutText, isPdf } from './attachments';
import { extractPdfText, pageText, type PdfJs } from './pdf';
// @ts-expect-error: a plain .mjs helper shared with the browser tests
import { makePdf } from '../tests/make-pdf.mjs';

const pdfjs = (await import('pdfjs-dist/legacy/build/pdf.mjs')) as unknown as PdfJs;

describe('pdf', () => {
  it('extracts the text of every page, in order', async () => {
    const text = await extractPdfText(pdfjs, makePdf(['First page (one)\nline two', 'Second page \\ two']));
    expect(text).toBe('First page (one)\nline two\n\nSecond page \\ two');
  });

  it('cuts a long PDF at the limit and says so', async () => {
    const line = 'lorem ipsum dolor sit amet, consectetur adipiscing elit';
    const pages = Array.from({ length: 10 }, (_, p) => Array.from({ length: 40 }, (_, i) => `${p}.${i}: ${line}`).join('\n'));
    const text = await extractPdfText(pdfjs, makePdf(pages));
    const a = cutText('long.pdf', text, 16000);
    expect(text.length).toBeGreaterThan(16000);
    expect(a).toMatchObject({ truncated: true, size: text.length });
    expect(a.content).toHaveLength(16000);
    expect(a.content.startsWith('0.0: lorem ipsum dolor sit amet, consectetur adipiscing elit\n0.1: lorem')).toBe(true);
  });

  it('rejects bytes that are not a PDF', async () => {
    await expect(extractPdfText(pdfjs, new TextEncoder().encode('not a pdf at all'))).rejects.toThrow();
  });

  it('joins text runs and keeps their line ends', () => {
    expect(pageText([{ str: 'a' }, { str: 'b', hasEOL: true }, { type: 'beginMarkedContent' }, { str: 'c' }])).toBe('ab\nc');
  });

  it('knows a PDF by type or name', () => {
    expect(isPdf({ type: 'application/pdf', name: 'x' })).toBe(true);
    expect(isPdf({ type: '', name: 'Report.PDF' })).toBe(true);
    expect(isPdf({ type: 'text/plain', name: 'a.txt' })).toBe(false);
  });
});
