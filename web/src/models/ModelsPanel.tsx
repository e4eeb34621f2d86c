import type { Model } from '@vigie/api/contract';
import { formatNumber } from '../format';
import { useI18n } from '../i18n';
import { ModelMetrics } from './ModelMetrics';

export function ModelsPanel({ models, error }: { models: Model[] | null; error: string | null }) {
  const { t, locale } = useI18n();
  const threshold = (value: number | undefined) => (value === undefined ? '?' : formatNumber(value, locale, 3));
  return (
    <section className="panel-section" aria-labelledby="models-title">
      <h2 id="models-title">{t('models.title')}</h2>
      {error && (
        <p className="error" role="alert">
          {t('common.error', { message: error })}
        </p>
      )}
      {models === null && !error && <p className="muted">{t('common.loading')}</p>}
      {models?.length === 0 && <p className="notice">{t('models.empty')}</p>}
      {models?.map((model) => {
        const { card } = model;
        return (
          <article key={model.id} className="model-card" aria-labelledby={`model-${model.id}`}>
            <header>
              <h3 id={`model-${model.id}`}>{model.id}</h3>
              <span className="badge">{t(`models.task.${model.task}`)}</span>
            </header>
            <p className="muted">{t('models.version', { v: model.version })}</p>
            <dl>
              {card.input && (
                <>
                  <dt>{t('models.input')}</dt>
                  <dd>{t('models.inputValue', { w: card.input.width ?? '?', h: card.input.height ?? '?', c: card.input.channels ?? '?', order: card.input.channelOrder ?? '?' })}</dd>
                </>
              )}
              {card.output?.format && (
                <>
                  <dt>{t('models.output')}</dt>
                  <dd>
                    <code>{card.output.format}</code>
                  </dd>
                </>
              )}
              {card.classes && (
                <>
                  <dt>{t('models.classes')}</dt>
                  <dd>{card.classes.map((c) => c.label ?? c.name).join(', ')}</dd>
                </>
              )}
              {card.thresholds && (
                <>
                  <dt>{t('models.thresholds')}</dt>
                  <dd>{t('models.thresholdsValue', { score: threshold(card.thresholds.score), iou: threshold(card.thresholds.iou) })}</dd>
                </>
              )}
              {card.training?.data && (
                <>
                  <dt>{t('models.training')}</dt>
                  <dd>{card.training.data}</dd>
                </>
              )}
            </dl>
            <h4>{t('models.metrics')}</h4>
            <ModelMetrics card={card} />
          </article>
        );
      })}
    </section>
  );
}
