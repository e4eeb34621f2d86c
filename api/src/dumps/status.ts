import { DUMP_CHANGES, DUMP_STATUSES, type DumpChange, type DumpStatus } from '../contract';
import { VigieError } from '../errors';

export { DUMP_CHANGES, DUMP_STATUSES };

export const STATUS_LABELS: Record<DumpStatus, string> = {
  a_verifier: 'à vérifier',
  confirme: 'confirmé',
  faux_positif: 'faux positif',
  signale: 'signalé',
  resorbe: 'résorbé',
};

export const CHANGE_LABELS: Record<DumpChange, string> = {
  nouveau: 'nouveau',
  persistant: 'persistant',
  disparu: 'disparu',
};

/**
 * The review workflow: à vérifier → confirmé | faux positif; confirmé → signalé → résorbé.
 * A decision taken by mistake can be undone while nothing was done about it yet: confirmé and faux positif
 * may go back to à vérifier. Once signalé (handed to the field or the gendarmerie) a dump only moves on to
 * résorbé, and résorbé is final: a dump that comes back is a new detection on a later vintage.
 */
export const TRANSITIONS: Record<DumpStatus, readonly DumpStatus[]> = {
  a_verifier: ['confirme', 'faux_positif'],
  confirme: ['signale', 'a_verifier'],
  faux_positif: ['a_verifier'],
  signale: ['resorbe'],
  resorbe: [],
};

/** Statuses that say "this is a dump" (a positive label for retraining). */
export const CONFIRMED_STATUSES: readonly DumpStatus[] = ['confirme', 'signale', 'resorbe'];

export function canTransition(from: DumpStatus, to: DumpStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws the 409 a reviewer sees when asking for a move the workflow does not allow. */
export function assertTransition(from: DumpStatus, to: DumpStatus, detectionId?: number): void {
  if (canTransition(from, to)) return;
  const which = detectionId === undefined ? 'ce dépôt' : `le dépôt n° ${detectionId}`;
  const allowed = TRANSITIONS[from].map((s) => `« ${STATUS_LABELS[s]} »`);
  const hint =
    allowed.length === 0
      ? `« ${STATUS_LABELS[from]} » est un statut final`
      : allowed.length === 1
        ? `seul ${allowed[0]} est possible ensuite`
        : `seuls ${allowed.join(' ou ')} sont possibles ensuite`;
  throw new VigieError(
    'invalid_transition',
    `Impossible de passer ${which} de « ${STATUS_LABELS[from]} » à « ${STATUS_LABELS[to]} » : ${hint}.`,
    409,
    { id: detectionId, from, to, allowed: TRANSITIONS[from] },
  );
}
