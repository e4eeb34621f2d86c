import { VigieError } from '@vigie/api/errors';
import { BANDS, type Band } from '../runtime/card';

/** What each sample of an orthophoto is; null for a sample to skip (an alpha band). */
export type BandNames = (Band | null)[];

/** Skipped sample in `--bands`: "R,G,B,-" for an RGBA file whose alpha GDAL did not mark as such. */
const SKIP = '-';

/**
 * The bands of a file: as the user listed them (`--bands NIR,R,G`), or R, G, B for 3 samples and for
 * 3 samples + alpha. Anything else must be named: a 4-band file may be R, G, B, NIR or NIR, R, G, B.
 * A 3-band infrared colour file (IGN BD ORTHO IRC: NIR, R, G) looks like natural colour to the header:
 * only the user knows, hence the option and the README.
 */
export function bandNamesFor(file: string, samples: number, alphaSample: number | null, listed?: string): BandNames {
  if (listed !== undefined) {
    const names = listed.split(',').map((b) => b.trim().toUpperCase());
    const unknown = names.filter((b) => b !== SKIP && !(BANDS as readonly string[]).includes(b));
    if (unknown.length > 0) throw new VigieError('imagery_bad_bands', `Bandes inconnues : ${unknown.join(', ')} (connues : ${BANDS.join(', ')}, et « ${SKIP} » pour ignorer une bande).`);
    if (names.length !== samples) throw new VigieError('imagery_bad_bands', `${names.length} bandes listées pour un fichier qui en a ${samples} (${file}).`);
    const named = names.filter((b) => b !== SKIP);
    if (new Set(named).size !== named.length) throw new VigieError('imagery_bad_bands', `Bande listée deux fois : ${listed}.`);
    return names.map((b) => (b === SKIP ? null : (b as Band)));
  }
  if (samples === 3) return ['R', 'G', 'B'];
  if (samples === 4 && alphaSample === 3) return ['R', 'G', 'B', null];
  throw new VigieError(
    'imagery_bands_unknown',
    `Le fichier ${file} a ${samples} bande(s) : précisez ce qu’est chacune avec --bands (par ex. --bands R,G,B,NIR, ou R,G,B,- pour ignorer la 4e).`,
  );
}
