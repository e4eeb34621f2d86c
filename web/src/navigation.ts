import { useCallback, useEffect, useState } from 'react';
import type { Role } from '@vigie/api/contract';
import type { MessageKey } from './i18n';

export type ViewId = 'map' | 'dumps' | 'zan' | 'affluence' | 'runs' | 'models';

export interface View {
  id: ViewId;
  /** the API serves the SPA at these paths (api/src/http/app.ts) */
  path: string;
  label: MessageKey;
  /** who sees the view; admins see everything */
  roles: readonly Role[];
}

export const VIEWS: readonly View[] = [
  { id: 'map', path: '/', label: 'nav.map', roles: ['reviewer', 'planner', 'tourism', 'viewer'] },
  { id: 'dumps', path: '/dumps', label: 'nav.dumps', roles: ['reviewer', 'viewer'] },
  { id: 'zan', path: '/zan', label: 'nav.zan', roles: ['planner', 'viewer'] },
  // the sensors API admits the tourism office only (requireRole('tourism')): read-only accounts use the public page
  { id: 'affluence', path: '/affluence-admin', label: 'nav.affluence', roles: ['tourism'] },
  { id: 'runs', path: '/runs', label: 'nav.runs', roles: ['reviewer', 'planner', 'viewer'] },
  { id: 'models', path: '/models', label: 'nav.models', roles: ['reviewer', 'planner', 'tourism', 'viewer'] },
];

export const viewsFor = (role: Role) => VIEWS.filter((v) => role === 'admin' || v.roles.includes(role));

/** Who may start, cancel and resume runs (mirrors requireRole('reviewer', 'planner') in the API). */
export const canRunAnalyses = (role: Role) => role === 'admin' || role === 'reviewer' || role === 'planner';

function viewAt(pathname: string): ViewId {
  return VIEWS.find((v) => v.path === pathname)?.id ?? 'map';
}

/** The current view, kept in the URL (history API) so that reload and back work. */
export function useViewRoute(): [ViewId, (id: ViewId) => void] {
  const [view, setView] = useState<ViewId>(() => viewAt(window.location.pathname));
  useEffect(() => {
    const onPop = () => setView(viewAt(window.location.pathname));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const go = useCallback((id: ViewId) => {
    const path = VIEWS.find((v) => v.id === id)?.path ?? '/';
    if (window.location.pathname !== path) window.history.pushState(null, '', path);
    setView(id);
  }, []);
  return [view, go];
}
