import type { MessageKey } from '../i18n';
import { useI18n } from '../i18n';

/** What a use-case panel shows while its API does not exist yet: said plainly, no placeholder data. */
export function UnavailablePanel({ title, message, hint, extra }: { title: MessageKey; message: MessageKey; hint: MessageKey; extra?: MessageKey }) {
  const { t } = useI18n();
  return (
    <section className="panel-section" aria-labelledby="usecase-title">
      <h2 id="usecase-title">{t(title)}</h2>
      <div className="notice" role="status">
        <p className="notice-title">{t(message)}</p>
        <p>{t(hint)}</p>
        {extra && <p className="muted">{t(extra)}</p>}
      </div>
    </section>
  );
}
