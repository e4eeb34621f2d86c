import type { Locale, Translate } from './i18n';

const tag = (locale: Locale) => (locale === 'fr' ? 'fr-FR' : 'en-GB');

/** Areas with their unit: m² under a hectare, ha under 1 km², km² above. */
export function formatArea(m2: number, locale: Locale): string {
  const n = (value: number, digits: number) => new Intl.NumberFormat(tag(locale), { maximumFractionDigits: digits }).format(value);
  if (m2 < 10_000) return `${n(m2, 0)} m²`;
  if (m2 < 1_000_000) return `${n(m2 / 10_000, 2)} ha`;
  return `${n(m2 / 1_000_000, 2)} km²`;
}

export function formatNumber(value: number, locale: Locale, digits = 0): string {
  return new Intl.NumberFormat(tag(locale), { maximumFractionDigits: digits }).format(value);
}

export function formatDateTime(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(tag(locale), { dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso));
}

export function formatDate(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(tag(locale), { dateStyle: 'long' }).format(new Date(iso));
}

export function formatDuration(seconds: number, t: Translate): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return t('duration.h', { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
  if (s >= 60) return t('duration.m', { m: Math.floor(s / 60), s: s % 60 });
  return t('duration.s', { s });
}
