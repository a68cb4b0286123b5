// Text of a PDF, extracted in the browser with pdf.js (loaded on first use,
// so the main bundle stays small). Its worker is a file Vite emits under
// assets/ and lokal embeds, so the CSP's worker-src 'self' covers it.
// Only text: no rendering, no eval, no WebAssembly, no fonts fetched.

// The part of pdf.js used here; the browser build and the Node build used by
// the unit tests both fit it.
export interface PdfJs {
  getDocument(src: object): { promise: Promise<PdfDoc>; destroy(): Promise<void> };
}
interface PdfDoc {
  numPages: number;
  getPage(n: number): Promise<{ getTextContent(): Promise<{ items: unknown[] }> }>;
}

export const MAX_PDF_BYTES = 50 << 20;
export const MAX_PDF_PAGES = 2000;

// One page's text: runs joined, line ends where pdf.js saw them.
export function pageText(items: readonly unknown[]): string {
  let out = '';
  for (const raw of items) {
    const it = raw as { str?: unknown; hasEOL?: unknown };
    if (typeof it.str !== 'string') continue; // marked-content markers
    out += it.str;
    if (it.hasEOL) out += '\n';
  }
  return out.trim();
}

export async function extractPdfText(pdfjs: PdfJs, data: Uint8Array): Promise<string> {
  const task = pdfjs.getDocument({
    data,
    isEvalSupported: false,
    useWasm: false,
    disableFontFace: true,
    useSystemFonts: false,
    enableXfa: false,
    stopAtErrors: false,
  });
  try {
    const doc = await task.promise;
    if (doc.numPages > MAX_PDF_PAGES) throw new Error(`more than ${MAX_PDF_PAGES} pages`);
    const pages: string[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      pages.push(pageText((await page.getTextContent()).items));
    }
    return pages.filter(Boolean).join('\n\n');
  } finally {
    await task.destroy();
  }
}

let loaded: Promise<PdfJs> | null = null;

// The browser build of pdf.js with its worker from lokal's own assets.
function loadPdfJs(): Promise<PdfJs> {
  loaded ??= Promise.all([import('pdfjs-dist'), import('pdfjs-dist/build/pdf.worker.min.mjs?url')]).then(
    ([pdfjs, worker]) => {
      pdfjs.GlobalWorkerOptions.workerSrc = worker.default;
      return pdfjs as unknown as PdfJs;
    },
  );
  return loaded;
}

export async function pdfFileText(file: Blob): Promise<string> {
  return extractPdfText(await loadPdfJs(), new Uint8Array(await file.arrayBuffer()));
}
