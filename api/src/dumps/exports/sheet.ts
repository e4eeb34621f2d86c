import type { DetectionDetail, HistoryEntry } from '../queries';
import { CHANGE_LABELS, STATUS_LABELS } from '../status';
import type { DumpStatus } from '../../db/schema';
import { parisDate, parisLongDateTime } from './dates';
import { xml as escape } from './kml';

/**
 * The printable sheet of one dump, for field teams and the gendarmerie: self-contained HTML (inline style,
 * thumbnail as a data URI) so that the same page prints to PDF without any network access.
 */
export function detectionSheetHtml(detail: DetectionDetail, thumbnailJpeg: Buffer | undefined, authorityName: string): string {
  const d = detail.detection;
  const commune = d.communeName ? `${d.communeName} (${d.communeInsee})` : d.communeInsee ?? 'hors des communes du territoire';
  const image = thumbnailJpeg
    ? `<img class="thumb" alt="Vignette du dépôt n° ${d.id}" src="data:image/jpeg;base64,${thumbnailJpeg.toString('base64')}">`
    : '<p class="none">Pas de vignette pour ce dépôt.</p>';
  const facts: [string, string][] = [
    ['Commune', commune],
    ['Statut', STATUS_LABELS[d.status]],
    ['Évolution', `${CHANGE_LABELS[d.change]}${d.firstSeenYear ? ` (vu pour la première fois en ${d.firstSeenYear})` : ''}`],
    ['Millésime de l’image', String(d.vintageYear)],
    ['WGS84 (GPS), latitude, longitude', `${d.lat.toFixed(6)}, ${d.lon.toFixed(6)} — ${dms(d.lat, 'N', 'S')} ${dms(d.lon, 'E', 'O')}`],
    ['Lambert-93 (EPSG:2154)', `X = ${metres(d.xL93)} m, Y = ${metres(d.yL93)} m`],
    ['Surface estimée', `${Math.round(d.areaM2).toLocaleString('fr-FR')} m²`],
    ['Score du modèle', `${d.score.toFixed(2).replace('.', ',')} (0 à 1)`],
    ['Détecté le', parisDate(d.createdAt)],
    ['Dernière modification', parisLongDateTime(d.updatedAt)],
    ['Confié à', d.assigneeName ?? '—'],
  ];
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>Dépôt sauvage n° ${d.id} — ${escape(commune)}</title>
<style>
  @page { size: A4; margin: 14mm; }
  body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 11pt; color: #1e1e1e; margin: 0; }
  header { border-bottom: 2px solid #000091; margin-bottom: 10pt; padding-bottom: 6pt; }
  h1 { font-size: 17pt; margin: 0; color: #000091; }
  h2 { font-size: 12.5pt; margin: 14pt 0 5pt; color: #000091; }
  .sub { color: #555; margin-top: 3pt; }
  .top { display: flex; gap: 14pt; align-items: flex-start; }
  .thumb { width: 70mm; height: auto; border: 1px solid #999; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; vertical-align: top; padding: 3pt 5pt; border-bottom: 1px solid #ddd; }
  .facts th { width: 42%; color: #444; font-weight: normal; }
  .none { color: #777; font-style: italic; }
  footer { margin-top: 16pt; font-size: 8.5pt; color: #666; }
</style>
</head>
<body>
<header>
  <h1>Dépôt sauvage n° ${d.id}</h1>
  <div class="sub">${escape(authorityName)} — fiche éditée le ${escape(parisLongDateTime(new Date()))}</div>
</header>
<div class="top">
  ${image}
  <table class="facts">${facts.map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(v)}</td></tr>`).join('')}</table>
</div>
<h2>Historique</h2>
${historyTable(detail.history)}
<h2>Commentaires</h2>
${
  detail.comments.length === 0
    ? '<p class="none">Aucun commentaire.</p>'
    : `<table>${detail.comments.map((c) => `<tr><td style="width:32%">${escape(parisLongDateTime(c.createdAt))}<br>${escape(c.author?.name ?? '—')}</td><td>${escape(c.body).replaceAll('\n', '<br>')}</td></tr>`).join('')}</table>`
}
<footer>Détection automatique sur image aérienne (Vigie), à confirmer sur le terrain. Les coordonnées sont celles du centre de l’emprise détectée.</footer>
</body>
</html>
`;
}

function historyTable(history: HistoryEntry[]): string {
  const rows = history.map((h) => `<tr><td style="width:32%">${escape(parisLongDateTime(h.at))}</td><td style="width:22%">${escape(h.user?.name ?? '—')}</td><td>${escape(describe(h))}</td></tr>`);
  return rows.length === 0 ? '<p class="none">Aucune décision enregistrée : le dépôt est tel que détecté.</p>' : `<table>${rows.join('')}</table>`;
}

/** One audit entry in words: "à vérifier → confirmé", "confié à Marie Dupont", "commentaire". */
export function describe(h: HistoryEntry): string {
  const parts: string[] = [];
  const before = h.before ?? {};
  const after = h.after ?? {};
  if (typeof after.status === 'string') {
    parts.push(`${STATUS_LABELS[before.status as DumpStatus] ?? String(before.status)} → ${STATUS_LABELS[after.status as DumpStatus] ?? after.status}`);
  }
  if ('assigneeId' in after) parts.push(after.assigneeId === null ? 'retiré de l’assignation' : `confié à ${String(after.assigneeName ?? `l’utilisateur n° ${String(after.assigneeId)}`)}`);
  if (h.action === 'dump.comment') parts.push('commentaire ajouté');
  return parts.join(' ; ') || h.action;
}

function metres(value: number): string {
  return value.toLocaleString('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

/** 48.8566 -> 48°51'23,8" N */
function dms(value: number, positive: string, negative: string): string {
  const abs = Math.abs(value);
  const deg = Math.floor(abs);
  const minutesFull = (abs - deg) * 60;
  const min = Math.floor(minutesFull);
  const sec = (minutesFull - min) * 60;
  return `${deg}°${String(min).padStart(2, '0')}′${sec.toFixed(1).replace('.', ',').padStart(4, '0')}″ ${value < 0 ? negative : positive}`;
}
