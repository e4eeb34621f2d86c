import fs from 'node:fs';
import type { Command } from 'commander';
import { integer } from './arguments';
import type { Config } from '@vigie/api/config';
import { VigieError } from '@vigie/api/errors';
import { openPlatform } from '@vigie/api/platform';
import { registerGeoTiff } from '../imagery/register';
import { importCommunes } from '../territory/communes';

async function authorityIdOf(db: Awaited<ReturnType<typeof openPlatform>>['db'], slug: string): Promise<number> {
  const row = await db.selectFrom('authority').select('id').where('slug', '=', slug).executeTakeFirst();
  if (!row) throw new VigieError('unknown_authority', `Collectivité inconnue : ${slug}`);
  return row.id;
}

/** `vigie communes import` and `vigie imagery add`: bring a real territory in. */
export function territoryCommands(program: Command, config: () => Config) {
  program
    .command('communes')
    .description('Communes du territoire')
    .command('import <file>')
    .description('Importe des communes depuis un GeoJSON WGS84 (propriétés insee, name), par ex. IGN ADMIN EXPRESS')
    .option('--authority <slug>', 'collectivité propriétaire', 'demo')
    .action(async (file: string, opts: { authority: string }) => {
      let geojson: unknown;
      try {
        geojson = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (error) {
        throw new VigieError('invalid_geojson', `Lecture de ${file} impossible : ${(error as Error).message}`);
      }
      const platform = await openPlatform(config(), { applicationName: 'vigie-cli', queue: { supervise: false } });
      try {
        const count = await importCommunes(platform.db, await authorityIdOf(platform.db, opts.authority), geojson);
        console.log(`${count} commune(s) importée(s).`);
      } finally {
        await platform.close();
      }
    });

  program
    .command('imagery')
    .description('Imagerie aérienne')
    .command('add <file>')
    .description('Enregistre une orthophoto GeoTIFF / COG (Lambert-93) pour un millésime')
    .requiredOption('--vintage <year>', 'année du millésime', integer(1900))
    .option('--date <yyyy-mm-dd>', 'date de prise de vue')
    .option('--authority <slug>', 'collectivité propriétaire', 'demo')
    .option('--replace', 'remplace l’orthophoto déjà enregistrée pour ce millésime')
    .option('--bands <list>', 'ce qu’est chaque bande, dans l’ordre du fichier : R,G,B (défaut), NIR,R,G (IRC de l’IGN), R,G,B,NIR, - pour en ignorer une')
    .action(async (file: string, opts: { vintage: number; date?: string; authority: string; replace?: boolean; bands?: string }) => {
      if (/^https?:\/\//.test(file)) {
        throw new VigieError('imagery_unsupported', 'Les gabarits XYZ/WMTS ne sont pas encore pris en charge : fournir un GeoTIFF.');
      }
      const platform = await openPlatform(config(), { applicationName: 'vigie-cli', queue: { supervise: false } });
      try {
        const { info, bandNames, replaced } = await registerGeoTiff(platform.db, {
          authorityId: await authorityIdOf(platform.db, opts.authority), year: opts.vintage, file, acquisitionDate: opts.date, replace: opts.replace, bands: opts.bands,
        });
        console.log(`Millésime ${opts.vintage} : ${info.width} × ${info.height} px, ${info.gsdM} m/px, EPSG:${info.epsg}, bandes ${bandNames.map((b) => b ?? '-').join(',')}.`);
        if (replaced.length > 0) console.log(`Remplace ${replaced.join(', ')} : relancez les analyses de ce millésime (tuilage, dépôts, occupation du sol).`);
      } finally {
        await platform.close();
      }
    });
}
