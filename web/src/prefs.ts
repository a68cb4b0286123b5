// UI preferences kept in the browser (not conversations: those live on the server).
import { detectLanguage, type Lang } from './i18n';

export type Theme = 'light' | 'dark' | 'system';

function read(key: string): string | null {
  try {
    return localStorage.getItem(`lokal.${key}`);
  } catch {
    return null;
  }
}

function write(key: string, value: string): void {
  try {
    localStorage.setItem(`lokal.${key}`, value);
  } catch {
    /* private mode: preferences just do not persist */
  }
}

export const prefs = {
  lang(): Lang {
    const l = read('lang');
    return l === 'en' || l === 'de' ? l : detectLanguage(navigator.languages ?? [navigator.language]);
  },
  setLang: (l: Lang) => write('lang', l),
  theme(): Theme {
    const t = read('theme');
    return t === 'light' || t === 'dark' ? t : 'system';
  },
  setTheme: (t: Theme) => write('theme', t),
  model: () => read('model') ?? '',
  setModel: (m: string) => write('model', m),
};

export function applyTheme(t: Theme): void {
  const dark = t === 'dark' || (t === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}
