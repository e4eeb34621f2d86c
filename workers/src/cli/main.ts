import { Command } from 'commander';
import { loadConfig } from '@vigie/api/config';
import { VigieError } from '@vigie/api/errors';
import { logger } from '@vigie/api/logger';
import { commands as platformCommands } from './platform';
import { runCommands } from './runs';
import { territoryCommands } from './territory';

const program = new Command()
  .name('vigie')
  .description('Vigie — surveillance du territoire par IA (dépôts sauvages, ZAN, affluence)')
  .showHelpAfterError();

platformCommands(program, () => loadConfig());
territoryCommands(program, () => loadConfig());
runCommands(program, () => loadConfig());
(await import('./users')).commands(program, () => loadConfig());
(await import('./models')).modelCommands(program, () => loadConfig());

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof VigieError) {
    console.error(`Erreur (${error.code}) : ${error.message}`);
  } else {
    logger.error({ err: error }, 'command failed');
    console.error(`Erreur : ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
});
