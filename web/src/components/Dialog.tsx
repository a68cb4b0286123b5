// In-page dialogs instead of the browser's confirm() and prompt(): translated,
// styled, and testable. A native <dialog> opened with showModal() makes the
// rest of the page inert; Tab and Shift+Tab cycle through the dialog's own
// controls (the browser would move on to its toolbar), Esc cancels, Enter
// confirms (the form submits), and focus goes back to where it was.
import { createContext, type ComponentChildren } from 'preact';
import { useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useT } from './context';

export interface ConfirmOptions {
  confirmLabel?: string; // the button's label; "OK" when absent
  danger?: boolean; // a destructive action: the button says so
}

export interface Dialogs {
  confirm(message: string, opts?: ConfirmOptions): Promise<boolean>;
  prompt(message: string, value?: string): Promise<string | null>; // null: cancelled
}

type Request = { id: number; message: string } & (
  | { kind: 'confirm'; opts: ConfirmOptions; done: (v: boolean) => void }
  | { kind: 'prompt'; value: string; done: (v: string | null) => void }
);

let nextId = 1;

const DialogContext = createContext<Dialogs | null>(null);

export function useDialogs(): Dialogs {
  const d = useContext(DialogContext);
  if (!d) throw new Error('useDialogs needs a DialogHost');
  return d;
}

// One dialog at a time; a second request while one is open cancels the first.
export function DialogHost({ children }: { children: ComponentChildren }) {
  const [req, setReq] = useState<Request | null>(null);
  const current = useRef<Request | null>(null);
  const dialogs = useMemo<Dialogs>(() => {
    const open = (r: Request) => {
      cancel(current.current);
      current.current = r;
      setReq(r);
    };
    return {
      confirm: (message, opts = {}) => new Promise((done) => open({ id: nextId++, kind: 'confirm', message, opts, done })),
      prompt: (message, value = '') => new Promise((done) => open({ id: nextId++, kind: 'prompt', message, value, done })),
    };
  }, []);
  const finish = (r: Request, answer: string | boolean | null) => {
    if (current.current !== r) return;
    current.current = null;
    setReq(null);
    if (r.kind === 'confirm') r.done(answer === true);
    else r.done(typeof answer === 'string' ? answer : null);
  };
  return (
    <DialogContext.Provider value={dialogs}>
      {children}
      {req && <ModalDialog key={req.id} req={req} onFinish={(a) => finish(req, a)} />}
    </DialogContext.Provider>
  );
}

function cancel(r: Request | null) {
  if (r?.kind === 'confirm') r.done(false);
  else if (r) r.done(null);
}

// Keeps Tab inside `root`: from the last control to the first and back.
function trapTab(e: KeyboardEvent, root: HTMLElement) {
  if (e.key !== 'Tab') return;
  const all = Array.from(root.querySelectorAll<HTMLElement>('button, input, select, textarea, [href], [tabindex]:not([tabindex="-1"])'))
    .filter((el) => !(el as HTMLButtonElement).disabled);
  if (all.length === 0) return;
  const first = all[0];
  const last = all[all.length - 1];
  const at = document.activeElement;
  if (e.shiftKey && (at === first || !root.contains(at))) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && (at === last || !root.contains(at))) {
    e.preventDefault();
    first.focus();
  }
}

function ModalDialog({ req, onFinish }: { req: Request; onFinish: (answer: string | boolean | null) => void }) {
  const t = useT();
  const ref = useRef<HTMLDialogElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const [value, setValue] = useState(req.kind === 'prompt' ? req.value : '');
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.showModal();
    if (input.current) input.current.select();
    return () => el.open && el.close();
  }, []);
  const close = (answer: string | boolean | null) => {
    ref.current?.close(); // hands focus back before the dialog leaves the page
    onFinish(answer);
  };
  const danger = req.kind === 'confirm' && req.opts.danger;
  return (
    <dialog ref={ref} class="modal" aria-labelledby="modal-message"
      onCancel={(e) => { e.preventDefault(); close(null); }}
      onKeyDown={(e) => ref.current && trapTab(e as unknown as KeyboardEvent, ref.current)}>
      <form method="dialog" onSubmit={(e) => { e.preventDefault(); close(req.kind === 'prompt' ? value : true); }}>
        {req.kind === 'prompt' ? (
          <label id="modal-message" class="block">
            {req.message}
            <input ref={input} id="modal-input" value={value} onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} />
          </label>
        ) : (
          <p id="modal-message">{req.message}</p>
        )}
        <div class="row">
          <button type="button" id="modal-cancel" onClick={() => close(null)}>{t('cancel')}</button>
          <button type="submit" id="modal-ok" class={danger ? 'primary danger' : 'primary'} autofocus={req.kind === 'confirm'}>
            {req.kind === 'confirm' ? (req.opts.confirmLabel ?? t('ok')) : t('ok')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
