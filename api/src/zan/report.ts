import { CATEGORY_LABELS, type CommuneZan, partlyCovered, type ZanFlow } from '../contract';
import type { Nomenclature } from './nomenclature';
import { PERIOD_END, PERIOD_START } from './trajectory';

/** Numbers as a French report prints them (and as the report test reads them back). */
export const formatHa = (m2OrHa: number, unit: 'm2' | 'ha' = 'm2') => `${(unit === 'm2' ? m2OrHa / 10_000 : m2OrHa).toLocaleString('fr-FR', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ha`;
/** A threshold with its unit: « 2 500 m² », « 1 m ». */
const formatWithUnit = (value: number, unit: string) => `${value.toLocaleString('fr-FR')} ${unit}`;
export const formatPct = (pct: number) => `${pct.toLocaleString('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} %`;

const escape = (text: string) => text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/** The four indicators of the local report on artificialisation (art. L2231-1 CGCT), from the API's figures. */
export function reportIndicators(zan: CommuneZan) {
  const period = reportPeriodFlow(zan);
  const consumedHa = zan.consumption?.consumedHa ?? null;
  return {
    period: period ? { fromYear: period.fromYear, toYear: period.toYear } : null,
    /** 1. NAF consumption, ha and share of the commune */
    nafConsumptionHa: consumedHa,
    nafConsumptionPct: consumedHa === null ? null : (consumedHa * 10_000 * 100) / zan.commune.areaM2,
    /** 2. net balance of artificialisation and renaturation */
    netBalanceM2: period?.netM2 ?? null,
    /** 3. newly sealed surfaces */
    newlySealedM2: period?.newlySealedM2 ?? null,
    /** 4. assessment against the targets */
    trajectory: zan.trajectory,
  };
}

/** The report covers the consumption period: the vintage nearest 2021 to the latest. */
function reportPeriodFlow(zan: CommuneZan): ZanFlow | undefined {
  if (!zan.consumption) return undefined;
  return zan.flows.find((f) => f.fromYear === zan.consumption!.baselineYear && f.toYear === zan.consumption!.asOfYear);
}

export interface ReportInput {
  zan: CommuneZan;
  nomenclature: Nomenclature | null;
  /** PNG of the commune map, or null */
  mapPng: Buffer | null;
  mapYear: number | null;
  generatedAt: Date;
  authorityName: string;
}

/** The three-yearly artificialisation report of one commune: self-contained HTML (inline CSS, SVG, data-URI map). */
export function reportHtml({ zan, nomenclature, mapPng, mapYear, generatedAt, authorityName }: ReportInput): string {
  const ind = reportIndicators(zan);
  const t = ind.trajectory;
  const dash = '—';
  const periodText = ind.period ? `${ind.period.fromYear} → ${ind.period.toYear}` : 'au moins deux millésimes analysés sont nécessaires';
  const indicator = (key: string, title: string, value: string, detail: string) =>
    `<div class="indicator" data-indicator="${key}"><div class="title">${title}</div><div class="value">${value}</div><div class="detail">${detail}</div></div>`;
  const classes = nomenclature?.classes ?? [];
  const years = zan.vintages.map((v) => v.year);
  const partial = zan.vintages.filter((v) => partlyCovered(v.coveredPct));
  const areaRows = classes.map((c) => {
    const cells = zan.vintages.map((v) => {
      const a = v.classes.find((x) => x.classId === c.id);
      return `<td class="num">${a ? formatHa(a.areaM2) : formatHa(0)}</td>`;
    });
    return `<tr><td><span class="swatch" style="background:${c.color}"></span>${escape(c.label)}</td><td>${escape(CATEGORY_LABELS[c.category] ?? `${c.category}°`)}${c.artificialised ? ' (artificialisé)' : ''}</td>${cells.join('')}</tr>`;
  });
  const flowRows = zan.flows.map((f) => `<tr><td>${f.fromYear} → ${f.toYear}</td><td class="num">${formatHa(f.artificialisationM2)}</td><td class="num">${formatHa(f.renaturationM2)}</td><td class="num">${formatHa(f.netM2)}</td><td class="num">${formatHa(f.newlySealedM2)}</td></tr>`);
  const label = (id: number) => escape(classes.find((c) => c.id === id)?.label ?? `classe ${id}`);
  const periodFlow = reportPeriodFlow(zan);
  const transitionRows = (periodFlow?.transitions ?? []).filter((x) => x.artificialisedM2 + x.renaturedM2 > 0).slice(0, 12)
    .map((x) => `<tr><td>${label(x.fromClass)}</td><td>${label(x.toClass)}</td><td class="num">${formatHa(x.artificialisedM2)}</td><td class="num">${formatHa(x.renaturedM2)}</td></tr>`);
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Rapport triennal d’artificialisation — ${escape(zan.commune.name)}</title>
<style>
  @page { size: A4; margin: 14mm; }
  body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 10pt; color: #1d1d1d; }
  h1 { font-size: 17pt; margin: 0 0 2mm; } h2 { font-size: 12.5pt; margin: 6mm 0 2mm; border-bottom: 1px solid #999; }
  .meta { color: #555; margin-bottom: 4mm; }
  .indicators { display: grid; grid-template-columns: 1fr 1fr; gap: 3mm; }
  .indicator { border: 1px solid #bbb; border-radius: 2mm; padding: 3mm; break-inside: avoid; }
  .indicator .title { font-weight: bold; } .indicator .value { font-size: 15pt; margin: 1mm 0; } .indicator .detail { color: #444; }
  .overshoot { color: #b00020; font-weight: bold; } .ok { color: #1b7f3b; font-weight: bold; }
  table { border-collapse: collapse; width: 100%; margin-top: 2mm; break-inside: avoid; } td, th { border: 1px solid #ccc; padding: 1mm 2mm; } th { background: #f0f0f0; text-align: left; }
  .num { text-align: right; white-space: nowrap; } .swatch { display: inline-block; width: 3mm; height: 3mm; margin-right: 1.5mm; border: 1px solid #666; }
  .map { text-align: center; break-inside: avoid; } .map img { max-width: 100%; max-height: 110mm; border: 1px solid #999; }
  .trends { white-space: pre-wrap; border-left: 3px solid #999; padding-left: 3mm; }
  .charts { display: flex; gap: 6mm; break-inside: avoid; }
  .method { color: #444; font-size: 9pt; }
</style></head><body>
<h1>Rapport local sur l’artificialisation des sols — ${escape(zan.commune.name)} (${escape(zan.commune.insee)})</h1>
<div class="meta">Article L2231-1 du CGCT · ${escape(authorityName)} · période ${periodText} · établi le ${generatedAt.toLocaleDateString('fr-FR')} par Vigie (occupation du sol issue de la segmentation des orthophotos ; surfaces calculées en Lambert-93).</div>

<h2>Les quatre indicateurs</h2>
<div class="indicators">
${indicator('consommation-naf', '1. Consommation d’espaces naturels, agricoles et forestiers', ind.nafConsumptionHa === null ? dash : formatHa(ind.nafConsumptionHa, 'ha'),
    ind.nafConsumptionPct === null ? 'non mesurable' : `soit ${formatPct(ind.nafConsumptionPct)} du territoire communal, depuis ${zan.consumption!.baselineYear}${zan.consumption!.estimated ? ' (estimation proratisée depuis 2021)' : ''}`)}
${indicator('solde-net', '2. Solde entre artificialisation et désartificialisation', ind.netBalanceM2 === null ? dash : formatHa(ind.netBalanceM2),
    periodFlow ? `artificialisé ${formatHa(periodFlow.artificialisationM2)}, renaturé ${formatHa(periodFlow.renaturationM2)}` : 'non mesurable')}
${indicator('impermeabilisation', '3. Surfaces nouvellement imperméabilisées', ind.newlySealedM2 === null ? dash : formatHa(ind.newlySealedM2), `période ${periodText}`)}
${indicator('objectifs', '4. Évaluation au regard des objectifs', t ? formatHa(t.consumedHa, 'ha') + ' / ' + formatHa(t.budgetHa, 'ha') : dash,
    t ? `enveloppe ${PERIOD_START}–${PERIOD_END + 1} : ${formatHa(t.budgetHa, 'ha')} (−${t.targetReductionPct} % de ${formatHa(t.referenceHa, 'ha')}${t.guaranteeApplied ? ', garantie communale de 1 ha' : ''}) ; reste ${formatHa(t.remainingHa, 'ha')} ; rythme ${t.paceHaPerYear === null ? dash : formatHa(t.paceHaPerYear, 'ha') + '/an'} ; épuisement ${t.exhaustionYear ?? 'non atteint à ce rythme'} ; <span class="${t.overshoot ? 'overshoot' : 'ok'}">${t.overshoot ? 'dépassement projeté avant 2031' : 'trajectoire respectée à ce rythme'}</span>`
      : 'consommation de référence 2011–2020 non renseignée')}
</div>

<h2>Carte${mapYear ? ` — occupation du sol ${mapYear}` : ''}</h2>
<div class="map">${mapPng ? `<img alt="Carte de l’occupation du sol de la commune" src="data:image/png;base64,${mapPng.toString('base64')}">` : '<p>Carte indisponible : aucune analyse d’occupation du sol.</p>'}
<div>Contour noir : la commune · rouge : artificialisation · vert : renaturation (${ind.period ? periodText : 'dernière période'})</div></div>

<h2>Graphiques</h2>
<div class="charts">${artificialisedChart(zan)}${trajectoryChart(zan)}</div>

<h2>Surfaces par classe d’occupation du sol</h2>
${partial.length > 0 ? `<p class="overshoot" data-warning="couverture-partielle">Couverture partielle : ${partial.map((v) => `l’orthophoto ${v.year} ne couvre que ${formatPct(v.coveredPct)} de la commune`).join(' ; ')}. Les surfaces et les flux de ce${partial.length > 1 ? 's' : ''} millésime${partial.length > 1 ? 's' : ''} portent sur la partie couverte.</p>` : ''}
<table><tr><th>Classe</th><th>Catégorie (art. R101-1)</th>${years.map((y) => `<th class="num">${y}</th>`).join('')}</tr>${areaRows.join('')}
<tr><th>Artificialisé</th><th></th>${zan.vintages.map((v) => `<th class="num">${formatHa(v.artificialisedM2)}</th>`).join('')}</tr>
<tr><td>Surface analysée (part de la commune)</td><td></td>${zan.vintages.map((v) => `<td class="num">${formatHa(v.coveredM2)} (${formatPct(Math.min(100, v.coveredPct))})</td>`).join('')}</tr></table>
${nomenclature ? `<p class="method" data-section="methode">Seuils de l’annexe à l’article R101-1 appliqués aux régions connexes : bâti d’au moins ${formatWithUnit(nomenclature.builtMinM2, 'm²')}, revêtement imperméable d’au moins ${formatWithUnit(nomenclature.sealedMinM2, 'm²')} ; en deçà, une région prend le statut de son voisinage. Deux parties d’un revêtement imperméable séparées d’au plus ${formatWithUnit(nomenclature.regionGapM, 'm')} (une couronne d’arbre au-dessus d’une route) forment une seule région.</p>` : ''}

<h2>Flux entre millésimes</h2>
<table><tr><th>Période</th><th class="num">Artificialisation</th><th class="num">Renaturation</th><th class="num">Solde net</th><th class="num">Nouvellement imperméabilisé</th></tr>${flowRows.join('') || '<tr><td colspan="5">Un seul millésime analysé.</td></tr>'}</table>
${transitionRows.length ? `<table><tr><th>De</th><th>Vers</th><th class="num">Artificialisé</th><th class="num">Renaturé</th></tr>${transitionRows.join('')}</table>` : ''}

<h2>Explication des tendances</h2>
<div class="trends" data-section="tendances">${zan.trendsText ? escape(zan.trendsText) : '<em>À rédiger avant le débat en conseil municipal.</em>'}</div>
</body></html>`;
}

function artificialisedChart(zan: CommuneZan): string {
  const w = 300, h = 180, pad = 30;
  if (zan.vintages.length === 0) return '';
  const max = Math.max(...zan.vintages.map((v) => v.artificialisedM2)) / 10_000 || 1;
  const bw = (w - 2 * pad) / zan.vintages.length;
  const bars = zan.vintages.map((v, i) => {
    const value = v.artificialisedM2 / 10_000, bh = (value / max) * (h - 2 * pad);
    const x = pad + i * bw + bw * 0.15;
    return `<rect x="${x}" y="${h - pad - bh}" width="${bw * 0.7}" height="${bh}" fill="#e6194b"/><text x="${x + bw * 0.35}" y="${h - pad + 12}" text-anchor="middle" font-size="10">${v.year}</text><text x="${x + bw * 0.35}" y="${h - pad - bh - 3}" text-anchor="middle" font-size="9">${value.toFixed(2).replace('.', ',')}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" role="img" aria-label="Surface artificialisée par millésime"><text x="${w / 2}" y="12" text-anchor="middle" font-size="11">Surface artificialisée (ha)</text>${bars.join('')}<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#333"/></svg>`;
}

function trajectoryChart(zan: CommuneZan): string {
  const t = zan.trajectory;
  const w = 320, h = 180, pad = 30;
  if (!t) return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><text x="${w / 2}" y="${h / 2}" text-anchor="middle" font-size="10">Trajectoire : consommation de référence à renseigner</text></svg>`;
  const max = Math.max(t.budgetHa, t.projectedHa ?? 0, t.consumedHa) * 1.1 || 1;
  const x = (year: number) => pad + ((year - PERIOD_START) / 10) * (w - 2 * pad);
  const y = (value: number) => h - pad - (value / max) * (h - 2 * pad);
  const projected = t.projectedHa === null ? '' : `<line x1="${x(t.asOfYear)}" y1="${y(t.consumedHa)}" x2="${x(PERIOD_START + 10)}" y2="${y(t.projectedHa)}" stroke="${t.overshoot ? '#b00020' : '#1b7f3b'}" stroke-dasharray="4 3" stroke-width="2"/>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" role="img" aria-label="Trajectoire de consommation"><text x="${w / 2}" y="12" text-anchor="middle" font-size="11">Consommation cumulée depuis 2021 (ha)</text>
<line x1="${pad}" y1="${y(t.budgetHa)}" x2="${w - pad}" y2="${y(t.budgetHa)}" stroke="#555" stroke-width="1.5"/><text x="${w - pad}" y="${y(t.budgetHa) - 3}" text-anchor="end" font-size="9">enveloppe ${t.budgetHa.toFixed(2).replace('.', ',')}</text>
<line x1="${x(PERIOD_START)}" y1="${y(0)}" x2="${x(t.asOfYear)}" y2="${y(t.consumedHa)}" stroke="#e6194b" stroke-width="2.5"/>${projected}
<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#333"/><text x="${pad}" y="${h - pad + 12}" font-size="10">2021</text><text x="${w - pad}" y="${h - pad + 12}" text-anchor="end" font-size="10">2031</text></svg>`;
}
