import { TIME_ZONE } from './counts';
import { OCCUPANCY_LEVELS, PUBLIC_COUNT_FLOOR, TREND_LABELS } from './occupancy';
import { PUBLIC_REFRESH_S, type ZoneNow } from './publication';

/**
 * The public affluence page and the embeddable widget, rendered on the server: plain HTML and CSS, no
 * script (the CSP allows none inline), refreshed by <meta http-equiv="refresh">. Readable on a phone.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (text: string) => text.replace(/[&<>"']/g, (ch) => ENTITIES[ch]!);

const timeFormat = new Intl.DateTimeFormat('fr-FR', { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit' });
const dateFormat = new Intl.DateTimeFormat('fr-FR', { timeZone: TIME_ZONE, weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' });

/** "centre-bourg" → "Centre bourg" */
export function zoneTitle(zone: string): string {
  const words = zone.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f4f5f7;line-height:1.4}
main{max-width:960px;margin:0 auto;padding:16px}
h1{font-size:1.5rem;margin:.2em 0}
.intro{color:#444;margin:0 0 16px}
.zones{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:12px;list-style:none;padding:0;margin:0}
.zone{background:#fff;border-radius:12px;padding:14px 16px;box-shadow:0 1px 3px rgba(0,0,0,.12);border-left:10px solid #9e9e9e}
.zone h2{font-size:1.15rem;margin:0 0 6px}
.level{display:inline-block;border-radius:999px;padding:3px 12px;font-weight:700}
.count{font-size:2.4rem;font-weight:800;margin:6px 0 0}
.count small{font-size:1rem;font-weight:400;color:#444}
.meta{margin:4px 0 0;color:#444;font-size:.95rem}
.offline{color:#555;font-style:italic}
footer{margin-top:20px;font-size:.9rem;color:#444}
a{color:#0b4f9c}
body.embed{background:transparent}
body.embed main{padding:4px}
`;

function zoneCard(zone: ZoneNow, heading: 'h2' | 'h1'): string {
  const level = zone.level ? OCCUPANCY_LEVELS[zone.level] : null;
  const border = level ? ` style="border-left-color:${level.colour}"` : '';
  const title = `<${heading}>${escape(zoneTitle(zone.zone))}</${heading}>`;
  if (zone.status === 'hors_ligne' || !level) {
    return `<li class="zone" data-zone="${escape(zone.zone)}" data-level="hors_ligne">${title}<p class="offline">Hors ligne : pas de comptage récent.</p></li>`;
  }
  const people = zone.peopleLabel === `< ${PUBLIC_COUNT_FLOOR}` ? `moins de ${PUBLIC_COUNT_FLOOR}` : zone.peopleLabel;
  const trend = zone.trend ? `<p class="meta">Tendance : <span aria-hidden="true">${TREND_LABELS[zone.trend].arrow}</span> ${TREND_LABELS[zone.trend].label}</p>` : '';
  const lastWeek = zone.sameTimeLastWeek.people !== null || zone.sameTimeLastWeek.peopleLabel.startsWith('<')
    ? `<p class="meta">Il y a une semaine à la même heure : ${escape(zone.sameTimeLastWeek.peopleLabel)} personnes</p>`
    : '';
  const updated = zone.updatedAt ? `<p class="meta">Mis à jour à <time datetime="${zone.updatedAt}">${timeFormat.format(new Date(zone.updatedAt))}</time></p>` : '';
  return `<li class="zone" data-zone="${escape(zone.zone)}" data-level="${zone.level}"${border}>${title}
<span class="level" style="background:${level.colour};color:${level.text}">${level.label}</span>
<p class="count" aria-label="${escape(people)} personnes">${escape(zone.peopleLabel)} <small>personnes</small></p>
<p class="meta">Véhicules : ${escape(zone.vehiclesLabel)}</p>${trend}${lastWeek}${updated}</li>`;
}

function document(opts: { title: string; body: string; embed?: boolean }): string {
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${PUBLIC_REFRESH_S}">
<title>${escape(opts.title)}</title>
<style>${STYLE}</style>
</head>
<body${opts.embed ? ' class="embed"' : ''}>
<main>
${opts.body}
</main>
</body>
</html>
`;
}

export function affluencePage(zones: ZoneNow[], now: Date): string {
  const byTerritory = new Map<string, ZoneNow[]>();
  for (const zone of zones) byTerritory.set(zone.territoire.name, [...(byTerritory.get(zone.territoire.name) ?? []), zone]);
  const sections = [...byTerritory.entries()].map(
    ([name, list]) => `${byTerritory.size > 1 ? `<h2>${escape(name)}</h2>` : ''}<ul class="zones">${list.map((z) => zoneCard(z, 'h2')).join('\n')}</ul>`,
  );
  const single = byTerritory.size === 1 ? ` — ${escape([...byTerritory.keys()][0]!)}` : '';
  const body = `<h1>Affluence en direct${single}</h1>
<p class="intro">Nombre de personnes comptées par caméra, en temps réel, le ${escape(dateFormat.format(now))}. Les images sont analysées puis effacées : aucune n’est conservée. Les comptes inférieurs à ${PUBLIC_COUNT_FLOOR} s’affichent « &lt; ${PUBLIC_COUNT_FLOOR} ». Page actualisée chaque minute.</p>
${sections.length ? sections.join('\n') : '<p>Aucune zone publiée pour le moment.</p>'}
<footer>Données ouvertes : <a href="/public/affluence.json">affluence.json</a> (instantané) · <a href="/public/affluence/history.csv">history.csv</a> (historique horaire).</footer>`;
  return document({ title: 'Affluence en direct', body });
}

export function affluenceWidget(zone: ZoneNow): string {
  const body = `<ul class="zones">${zoneCard(zone, 'h1')}</ul>
<p class="meta"><a href="/affluence" target="_blank" rel="noopener">Toutes les zones</a></p>`;
  return document({ title: `Affluence — ${zoneTitle(zone.zone)}`, body, embed: true });
}
