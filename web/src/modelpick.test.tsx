// The model picker: a model the user picks wins over anything that arrives
// later in the same view (the models list, the stored chat's model), even
// when the pick comes before the first render's effects have run.
import { render } from 'preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, type Chat, type ModelInfo } from './api';
import { ChatView } from './components/ChatView';
import { LangContext } from './components/context';

const models: ModelInfo[] = [
  { name: 'first:latest', size: 1 },
  { name: 'second:latest', size: 1 },
];

const settle = () => new Promise((r) => setTimeout(r, 150)); // past Preact's after-paint effects

function mount(chatId: number | null, list: ModelInfo[] = models) {
  const root = document.createElement('div');
  document.body.append(root);
  const view = (ms: ModelInfo[]) => (
    <LangContext.Provider value="en">
      <ChatView chatId={chatId} models={ms} canManage onCreated={() => {}} onChanged={() => {}} onMenu={() => {}} />
    </LangContext.Provider>
  );
  render(view(list), root);
  const select = () => root.querySelector<HTMLSelectElement>('#model')!;
  const pick = (name: string) => {
    select().value = name;
    select().dispatchEvent(new Event('change', { bubbles: true }));
  };
  return { root, select, pick, rerender: (ms: ModelInfo[]) => render(view(ms), root) };
}

describe('model picker', () => {
  beforeEach(() => {
    localStorage.clear();
    Element.prototype.scrollIntoView = () => {};
    vi.spyOn(api, 'show').mockResolvedValue({ capabilities: ['completion'] });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    document.body.innerHTML = '';
  });

  it('keeps a pick made before the first effects ran', async () => {
    const v = mount(null);
    v.pick('second:latest'); // synchronously after the first render
    await settle();
    expect(v.select().value).toBe('second:latest');
    expect(v.root.querySelector('#prompt')!.getAttribute('placeholder')).toContain('second:latest');
  });

  it('keeps a pick made right after the models arrived', async () => {
    const v = mount(null, []);
    await settle();
    v.rerender(models); // /api/tags answered
    v.pick('second:latest');
    await settle();
    expect(v.select().value).toBe('second:latest');
  });

  it('keeps a pick made before the stored chat loaded', async () => {
    let answer: (c: Chat) => void = () => {};
    vi.spyOn(api, 'getChat').mockReturnValue(new Promise((r) => (answer = r)));
    const v = mount(7);
    v.pick('second:latest');
    answer({
      id: 7, title: 't', pinned: false, folder: '', created_at: 0, updated_at: 0,
      settings: { model: 'first:latest' }, current_message_id: null, messages: [],
    });
    await settle();
    expect(v.select().value).toBe('second:latest');
  });

  it('still falls back to the first model for an unknown one, and takes the chat\'s model', async () => {
    localStorage.setItem('lokal.model', 'gone:latest');
    const v = mount(null);
    await settle();
    expect(v.select().value).toBe('first:latest');
    vi.spyOn(api, 'getChat').mockResolvedValue({
      id: 8, title: 't', pinned: false, folder: '', created_at: 0, updated_at: 0,
      settings: { model: 'second:latest' }, current_message_id: null, messages: [],
    });
    const w = mount(8);
    await settle();
    expect(w.select().value).toBe('second:latest');
  });
});
