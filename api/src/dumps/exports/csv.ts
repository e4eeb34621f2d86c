import type { Detection } from '../queries';
import { CHANGE_LABELS, STATUS_LABELS } from '../status';
import { parisDateTime } from './dates';

/**
 * CSV as French spreadsheet software opens it: UTF-8 with a BOM (else Excel reads Latin-1), ';' between
 * fields, CRLF line ends, and decimal commas ("2,3456"), since with ';' as separator French Excel also expects
 * the comma as decimal mark and would turn "1.5" into a date. Dates are local time in Paris, "AAAA-MM-JJ HH:MM:SS".
 */
export const CSV_COLUMNS = [
  'id', 'commune', 'code_insee', 'statut', 'changement', 'score', 'surface_m2', 'lon', 'lat', 'x_l93', 'y_l93',
  'millésime', 'première_vue', 'assigné_à', 'date_détection', 'date_modification',
] as const;

const BOM = '\ufeff';

export function detectionsCsv(detections: Detection[]): string {
  const lines = [CSV_COLUMNS.join(';')];
  for (const d of detections) {
    lines.push(
      [
        String(d.id),
        text(d.communeName ?? ''),
        text(d.communeInsee ?? ''),
        text(STATUS_LABELS[d.status]),
        text(CHANGE_LABELS[d.change]),
        decimal(d.score, 4),
        decimal(d.areaM2, 1),
        decimal(d.lon, 7),
        decimal(d.lat, 7),
        decimal(d.xL93, 2),
        decimal(d.yL93, 2),
        String(d.vintageYear),
        d.firstSeenYear === null ? '' : String(d.firstSeenYear),
        text(d.assigneeName ?? ''),
        parisDateTime(d.createdAt),
        parisDateTime(d.updatedAt),
      ].join(';'),
    );
  }
  return BOM + lines.join('\r\n') + '\r\n';
}

function decimal(value: number, digits: number): string {
  return String(Number(value.toFixed(digits))).replace('.', ',');
}

/** Quotes what needs it, and defuses cells a spreadsheet would run as a formula (=, +, -, @). */
function text(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[;"\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
