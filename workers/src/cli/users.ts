import type { Command } from 'commander';
import { createUserAudited, ensureAuthority, findAuthority, generatePassword } from '@vigie/api/auth';
import type { Config } from '@vigie/api/config';
import { ROLES, type Role } from '@vigie/api/db';
import { VigieError } from '@vigie/api/errors';
import { openPlatform } from '@vigie/api/platform';

interface AddOptions {
  email: string;
  role: string;
  authority: string;
  authorityName?: string;
  name?: string;
  password?: string;
}

/** `vigie users add`: accounts for agents, from the command line (the admin UI calls POST /api/users). */
export function commands(program: Command, config: () => Config) {
  const users = program.command('users').description('Comptes des agents');
  users
    .command('add')
    .description('Crée un compte (mot de passe généré et affiché une fois si --password est omis)')
    .requiredOption('--email <email>', 'adresse de connexion')
    .requiredOption('--role <role>', `rôle : ${ROLES.join(', ')}`)
    .requiredOption('--authority <slug>', 'collectivité du compte (identifiant court, ex. val-d-oise)')
    .option('--authority-name <name>', 'crée la collectivité si elle n’existe pas encore, sous ce nom')
    .option('--name <name>', 'nom affiché')
    .option('--password <password>', 'mot de passe (10 caractères minimum) ; préférez l’omettre : il resterait dans l’historique du shell')
    .action(async (opts: AddOptions) => {
      if (!ROLES.includes(opts.role as Role)) {
        throw new VigieError('invalid_role', `Rôle inconnu « ${opts.role} » (attendu : ${ROLES.join(', ')}).`);
      }
      const platform = await openPlatform(config(), { applicationName: 'vigie-users', queue: { supervise: false } });
      try {
        const authority = await findAuthority(platform.db, opts.authority);
        if (!authority && !opts.authorityName) {
          throw new VigieError('unknown_authority', `Collectivité « ${opts.authority} » inconnue ; ajoutez --authority-name pour la créer.`);
        }
        const authorityId = authority?.id ?? (await ensureAuthority(platform.db, opts.authority, opts.authorityName!));
        const password = opts.password ?? generatePassword();
        await createUserAudited(platform.db, { authorityId, email: opts.email, name: opts.name, role: opts.role as Role, password, createdBy: null });
        console.log(`Compte ${opts.email.trim().toLowerCase()} créé (${opts.role}, ${opts.authority}).`);
        if (!opts.password) console.log(`Mot de passe : ${password}\n(affiché une seule fois)`);
      } finally {
        await platform.close();
      }
    });
}
