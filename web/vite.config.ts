import { defineConfig } from 'vite';

// The build is embedded into the lokal binary (scripts/embed-web.py), so
// everything must be a file under dist/: no CDN, no inline script (the CSP
// forbids it), hashed names under assets/ (served as immutable).
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  resolve: {
    // One KaTeX: markdown-it-katex require()s it (KaTeX's CommonJS build) while
    // Mermaid import()s it (the ES build), and two files are two copies, the
    // second in Mermaid's lazy chunks (261 kB). Every import of 'katex' gets the
    // ES build, which the main chunk then shares with Mermaid.
    alias: [{ find: /^katex$/, replacement: 'katex/dist/katex.mjs' }],
  },
  build: {
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2000,
    sourcemap: false,
  },
  server: {
    // `npm run dev` against a running `lokal serve`.
    proxy: { '/api': 'http://127.0.0.1:11434', '/lokal/api': 'http://127.0.0.1:11434' },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
  },
} as never);
