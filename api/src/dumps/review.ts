import type { Kysely, Transaction } from 'kysely';
import type { Database, DumpStatus } from '../db/schema';
import { VigieError, notFound } from '../errors';
import { DETECTION_ENTITY } from './queries';
import { assertTransition, canTransition, STATUS_LABELS } from './status';

/** Who acts: the signed-in user, inside their authority. */
export interface Reviewer {
  authorityId: number;
  userId: number;
}

export interface ReviewChange {
  status?: DumpStatus;
  /** null unassigns */
  assigneeId?: number | null;
  comment?: string;
}

/**
 * Applies one reviewer's change to one detection in a single transaction: the row is locked, the transition
 * checked, the row updated, and the audit log told who changed what (before/after) — or nothing is written.
 * Asking for the status the detection already has is not a transition: it changes nothing and logs nothing.
 */
export async function reviewDetection(db: Kysely<Database>, who: Reviewer, id: number, change: ReviewChange): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom('dumpDetection')
      .select(['id', 'status', 'assigneeId'])
      .where('id', '=', id)
      .where('authorityId', '=', who.authorityId)
      .forUpdate()
      .executeTakeFirst();
    if (!current) throw notFound('Détection');

    const before: Record<string, unknown> = {};
    const after: { status?: DumpStatus; assigneeId?: number | null } = {};
    const logged: Record<string, unknown> = {};
    if (change.status !== undefined && change.status !== current.status) {
      assertTransition(current.status, change.status, id);
      before.status = current.status;
      after.status = change.status;
    }
    if (change.assigneeId !== undefined && change.assigneeId !== current.assigneeId) {
      const assignee = change.assigneeId === null ? null : await assignableUser(trx, who.authorityId, change.assigneeId);
      before.assigneeId = current.assigneeId;
      after.assigneeId = change.assigneeId;
      // the name as it was then: the history stays readable if the account is renamed or removed
      logged.assigneeName = assignee?.name ?? null;
    }
    if (Object.keys(after).length > 0) {
      await trx.updateTable('dumpDetection').set({ ...after, updatedAt: new Date() }).where('id', '=', id).execute();
      await audit(trx, who, 'dump.review', id, before, { ...after, ...logged });
    }
    if (change.comment !== undefined) {
      const comment = await trx
        .insertInto('dumpComment')
        .values({ detectionId: id, authorId: who.userId, body: change.comment })
        .returning('id')
        .executeTakeFirstOrThrow();
      await audit(trx, who, 'dump.comment', id, null, { commentId: comment.id, body: change.comment });
    }
  });
}

/**
 * Moves many detections to one status, all or nothing: an unknown id answers 404 and one refused transition
 * answers 409 naming every refused id, and then nothing is written. Detections already there are left alone.
 */
export async function bulkReview(db: Kysely<Database>, who: Reviewer, ids: number[], status: DumpStatus): Promise<{ updated: number[]; unchanged: number[] }> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('dumpDetection')
      .select(['id', 'status'])
      .where('id', 'in', ids)
      .where('authorityId', '=', who.authorityId)
      .orderBy('id')
      .forUpdate()
      .execute();
    if (rows.length !== new Set(ids).size) {
      const found = new Set(rows.map((r) => r.id));
      const missing = ids.filter((id) => !found.has(id));
      throw new VigieError('not_found', `Détection introuvable : n° ${missing.join(', n° ')}.`, 404, { missing });
    }
    const moving = rows.filter((r) => r.status !== status);
    const refused = moving.filter((r) => !canTransition(r.status, status));
    if (refused.length === 1) assertTransition(refused[0]!.status, status, refused[0]!.id);
    if (refused.length > 1) {
      throw new VigieError(
        'invalid_transition',
        `Impossible de passer ${refused.length} dépôts à « ${STATUS_LABELS[status]} » (n° ${refused.map((r) => r.id).join(', n° ')}) : ` +
          'leur statut actuel ne le permet pas. Aucun dépôt n’a été modifié.',
        409,
        { refused: refused.map((r) => ({ id: r.id, from: r.status, to: status })) },
      );
    }
    if (moving.length > 0) {
      await trx.updateTable('dumpDetection').set({ status, updatedAt: new Date() }).where('id', 'in', moving.map((r) => r.id)).execute();
      await trx
        .insertInto('auditLog')
        .values(moving.map((r) => auditRow(who, 'dump.review', r.id, { status: r.status }, { status })))
        .execute();
    }
    return { updated: moving.map((r) => r.id), unchanged: rows.filter((r) => r.status === status).map((r) => r.id) };
  });
}

async function assignableUser(trx: Transaction<Database>, authorityId: number, userId: number): Promise<{ id: number; name: string }> {
  const user = await trx.selectFrom('appUser').select(['id', 'name']).where('id', '=', userId).where('authorityId', '=', authorityId).executeTakeFirst();
  if (!user) throw new VigieError('unknown_assignee', `Aucun utilisateur n° ${userId} dans ce territoire : impossible de lui confier ce dépôt.`, 400);
  return user;
}

function auditRow(who: Reviewer, action: string, id: number, before: Record<string, unknown> | null, after: Record<string, unknown>) {
  return { authorityId: who.authorityId, userId: who.userId, action, entity: DETECTION_ENTITY, entityId: String(id), before, after };
}

async function audit(trx: Transaction<Database>, who: Reviewer, action: string, id: number, before: Record<string, unknown> | null, after: Record<string, unknown>) {
  await trx.insertInto('auditLog').values(auditRow(who, action, id, before, after)).execute();
}
