import { VigieError } from '../errors';
import type { Nomenclature } from './nomenclature';
import type { CommuneZan } from '../contract';

const SEPARATOR = ';';
/** French spreadsheets read ';' and a decimal comma. */
const num = (value: number, digits = 4) => value.toFixed(digits).replace('.', ',');
const cell = (text: string) => (/[";\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

/**
 * Land-cover statistics per commune and vintage, one row each, areas in hectares: covered area,
 * artificialised area and share, then one column per class of the nomenclature.
 */
export function statsCsv(communes: readonly CommuneZan[], nomenclature: Nomenclature | null): string {
  const classes = nomenclature?.classes ?? [];
  const header = ['insee', 'commune', 'millesime', 'surface_analysee_ha', 'artificialise_ha', 'part_artificialisee_pct', 'impermeabilise_ha', ...classes.map((c) => `${c.key}_ha`)];
  const lines = [header.join(SEPARATOR)];
  for (const commune of communes) {
    for (const v of commune.vintages) {
      const byClass = new Map(v.classes.map((c) => [c.classId, c.areaM2]));
      lines.push([
        commune.commune.insee, cell(commune.commune.name), String(v.year), num(v.coveredM2 / 10_000), num(v.artificialisedM2 / 10_000),
        num(v.artificialisedPct, 2), num(v.sealedM2 / 10_000), ...classes.map((c) => num((byClass.get(c.id) ?? 0) / 10_000)),
      ].join(SEPARATOR));
    }
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export interface ReferenceRow {
  insee: string;
  referenceConsumptionHa: number;
}

/** Cerema's yearly NAF consumption columns of the reference decade 2011–2020 (m²): naf11art12 … naf20art21. */
const CEREMA_YEARS = Array.from({ length: 10 }, (_, i) => `naf${11 + i}art${12 + i}`);
const INSEE_COLUMNS = ['insee', 'code_insee', 'idcom', 'codgeo', 'code_commune'];
const HA_COLUMNS = ['reference_ha', 'reference_consumption_ha', 'consommation_reference_ha', 'conso_2011_2020_ha'];

/**
 * Reference consumption per commune from a CSV keyed by INSEE code: either a column in hectares
 * (reference_ha…) or the Cerema consumption file's yearly columns in m², summed over 2011–2020.
 */
export function parseReferenceCsv(text: string, maxRows = 5000): ReferenceRow[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new VigieError('invalid_csv', 'CSV vide : une ligne d’en-tête et une ligne par commune attendues.');
  if (lines.length - 1 > maxRows) throw new VigieError('invalid_csv', `CSV trop long : ${maxRows} communes au plus.`);
  const separator = [';', ',', '\t'].map((s) => [s, lines[0]!.split(s).length] as const).sort((a, b) => b[1] - a[1])[0]![0];
  const split = (line: string) => line.split(separator).map((c) => c.trim().replace(/^"|"$/g, ''));
  const header = split(lines[0]!).map((h) => h.toLowerCase());
  const inseeCol = header.findIndex((h) => INSEE_COLUMNS.includes(h));
  if (inseeCol < 0) throw new VigieError('invalid_csv', `Colonne du code INSEE introuvable (${INSEE_COLUMNS.join(', ')}).`);
  const haCol = header.findIndex((h) => HA_COLUMNS.includes(h));
  const yearCols = CEREMA_YEARS.map((y) => header.indexOf(y));
  if (haCol < 0 && yearCols.some((c) => c < 0)) {
    throw new VigieError('invalid_csv', `Colonne de consommation introuvable : ${HA_COLUMNS[0]} (ha) ou les colonnes Cerema ${CEREMA_YEARS[0]} … ${CEREMA_YEARS.at(-1)} (m²).`);
  }
  const number = (text: string, line: number) => {
    const value = Number(text.replace(/\s/g, '').replace(',', '.'));
    if (!Number.isFinite(value) || value < 0) throw new VigieError('invalid_csv', `Ligne ${line} : valeur « ${text} » invalide (nombre positif attendu).`);
    return value;
  };
  return lines.slice(1).map((line, i) => {
    const cells = split(line);
    const insee = cells[inseeCol] ?? '';
    if (!/^[0-9][0-9AB][0-9]{3}$/.test(insee)) throw new VigieError('invalid_csv', `Ligne ${i + 2} : code INSEE « ${insee} » invalide.`);
    const referenceConsumptionHa = haCol >= 0 ? number(cells[haCol] ?? '', i + 2) : yearCols.reduce((s, c) => s + number(cells[c] ?? '', i + 2), 0) / 10_000;
    return { insee, referenceConsumptionHa };
  });
}
