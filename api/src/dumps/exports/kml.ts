import type { Detection } from '../queries';
import { CHANGE_LABELS, STATUS_LABELS } from '../status';
import { parisDateTime } from './dates';

/** KML 2.2 (Google Earth, QGIS, GPS apps): one Placemark per detection, its centre as a Point and its footprint as a Polygon. */
export function detectionsKml(detections: Detection[], title: string): string {
  const placemarks = detections.map(placemark).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2">
<Document>
<name>${xml(title)}</name>
${STYLES}
${placemarks}
</Document>
</kml>
`;
}

const STYLE_COLOURS: Record<Detection['status'], string> = {
  // KML colours are aabbggrr
  a_verifier: 'ff00a5ff',
  confirme: 'ff0000ff',
  faux_positif: 'ff9e9e9e',
  signale: 'ffcc00cc',
  resorbe: 'ff00b050',
};

const STYLES = Object.entries(STYLE_COLOURS)
  .map(
    ([status, colour]) =>
      `<Style id="${status}"><IconStyle><color>${colour}</color></IconStyle><LineStyle><color>${colour}</color><width>2</width></LineStyle><PolyStyle><color>${`40${colour.slice(2)}`}</color></PolyStyle></Style>`,
  )
  .join('\n');

function placemark(d: Detection): string {
  const ring = (d.footprint.coordinates as number[][][])[0] ?? [];
  const data: [string, string | number | null][] = [
    ['id', d.id],
    ['commune', d.communeName],
    ['code_insee', d.communeInsee],
    ['statut', STATUS_LABELS[d.status]],
    ['changement', CHANGE_LABELS[d.change]],
    ['score', d.score.toFixed(3)],
    ['surface_m2', d.areaM2.toFixed(1)],
    ['x_l93', d.xL93.toFixed(2)],
    ['y_l93', d.yL93.toFixed(2)],
    ['millesime', d.vintageYear],
    ['premiere_vue', d.firstSeenYear],
    ['date_detection', parisDateTime(d.createdAt)],
  ];
  const description = `Statut : ${STATUS_LABELS[d.status]} — ${d.communeName ?? 'commune inconnue'} — surface ${d.areaM2.toFixed(0)} m² — score ${d.score.toFixed(2)} — millésime ${d.vintageYear}`;
  return `<Placemark id="depot-${d.id}">
<name>Dépôt n° ${d.id}</name>
<description>${xml(description)}</description>
<styleUrl>#${d.status}</styleUrl>
<ExtendedData>${data.map(([name, value]) => `<Data name="${name}"><value>${xml(value === null ? '' : String(value))}</value></Data>`).join('')}</ExtendedData>
<MultiGeometry>
<Point><coordinates>${d.lon.toFixed(7)},${d.lat.toFixed(7)}</coordinates></Point>
<Polygon><outerBoundaryIs><LinearRing><coordinates>${ring.map((p) => `${p[0]!.toFixed(7)},${p[1]!.toFixed(7)}`).join(' ')}</coordinates></LinearRing></outerBoundaryIs></Polygon>
</MultiGeometry>
</Placemark>`;
}

/** Escapes text for XML content and attributes; drops characters XML 1.0 cannot carry. */
export function xml(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}
