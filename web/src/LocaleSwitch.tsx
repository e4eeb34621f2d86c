import { LOCALES, useI18n, type Locale } from './i18n';

export function LocaleSwitch() {
  const { locale, setLocale, t } = useI18n();
  return (
    <label className="locale-switch">
      <span>{t('locale.label')}</span>
      <select value={locale} onChange={(e) => setLocale(e.target.value as Locale)}>
        {LOCALES.map((l) => (
          <option key={l} value={l} lang={l}>
            {t(`locale.${l}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
