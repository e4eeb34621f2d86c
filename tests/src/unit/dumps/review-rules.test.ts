import { describe, expect, it } from 'vitest';
import { DUMP_STATUSES, STATUS_LABELS, TRANSITIONS, assertTransition, canTransition, describe as describeEntry } from '@vigie/api/dumps';

describe('the review workflow', () => {
  const allowed = new Set([
    'a_verifier>confirme', 'a_verifier>faux_positif',
    'confirme>signale', 'signale>resorbe',
    // corrections
    'confirme>a_verifier', 'faux_positif>a_verifier',
  ]);

  it.each(DUMP_STATUSES.flatMap((from) => DUMP_STATUSES.filter((to) => to !== from).map((to) => [from, to] as const)))('%s → %s', (from, to) => {
    const ok = allowed.has(`${from}>${to}`);
    expect(canTransition(from, to)).toBe(ok);
    if (ok) expect(() => assertTransition(from, to)).not.toThrow();
    else {
      let error: unknown;
      try {
        assertTransition(from, to, 12);
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'invalid_transition', status: 409, details: { id: 12, from, to } });
      expect((error as Error).message).toContain(`de « ${STATUS_LABELS[from]} » à « ${STATUS_LABELS[to]} »`);
    }
  });

  it('ends at résorbé', () => {
    expect(TRANSITIONS.resorbe).toEqual([]);
  });
});

describe('history in words', () => {
  const entry = (action: string, before: Record<string, unknown> | null, after: Record<string, unknown> | null) => ({ at: new Date(), action, user: null, before, after });
  it.each([
    [entry('dump.review', { status: 'a_verifier' }, { status: 'confirme' }), 'à vérifier → confirmé'],
    [entry('dump.review', { assigneeId: null }, { assigneeId: 4, assigneeName: 'Marie Curie' }), 'confié à Marie Curie'],
    [entry('dump.review', { assigneeId: 4 }, { assigneeId: null, assigneeName: null }), 'retiré de l’assignation'],
    [entry('dump.review', { status: 'confirme', assigneeId: null }, { status: 'signale', assigneeId: 4 }), 'confirmé → signalé ; confié à l’utilisateur n° 4'],
    [entry('dump.comment', null, { commentId: 1, body: 'x' }), 'commentaire ajouté'],
  ])('%#', (h, text) => {
    expect(describeEntry(h)).toBe(text);
  });
});
