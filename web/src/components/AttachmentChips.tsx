// Attached files: names, a warning when a text was cut, image thumbnails.
import type { Attachment } from '../attachments';
import { useT } from './context';

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

export function AttachmentChips(p: { items: readonly unknown[]; onRemove?: (i: number) => void }) {
  const t = useT();
  return (
    <ul class="chips">
      {p.items.map((raw, i) => {
        const a = raw as Partial<Attachment>;
        const name = typeof a.name === 'string' ? a.name : '?';
        return (
          <li key={i} class="chip" data-attachment={name}>
            {a.type === 'image' && typeof a.data === 'string' && IMAGE_TYPES.includes(a.mime ?? '') && (
              <img alt={name} src={`data:${a.mime};base64,${a.data}`} />
            )}
            <span>{name}</span>
            {a.type === 'text' && a.truncated && (
              <span class="warn" role="alert">⚠ {t('truncated', { n: a.content?.length ?? 0, size: a.size ?? 0 })}</span>
            )}
            {p.onRemove && (
              <button type="button" class="icon" aria-label={t('removeAttachment', { name })} onClick={() => p.onRemove!(i)}>×</button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
