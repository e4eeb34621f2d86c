import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, api, setCsrfToken } from '../api/client';
import type { Session, SessionUser } from '@vigie/api/contract';

type SessionState = { status: 'checking' } | { status: 'signedOut' } | { status: 'signedIn'; user: SessionUser };

interface SessionApi {
  state: SessionState;
  login(email: string, password: string): Promise<void>;
  logout(): Promise<void>;
}

const SessionContext = createContext<SessionApi | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'checking' });

  const adopt = useCallback((session: Session) => {
    setCsrfToken(session.csrfToken);
    setState({ status: 'signedIn', user: session.user });
  }, []);

  useEffect(() => {
    api.me().then(adopt, (error: unknown) => {
      if (!(error instanceof ApiError && error.status === 401)) console.warn('session check failed', error);
      setState({ status: 'signedOut' });
    });
  }, [adopt]);

  const value = useMemo<SessionApi>(
    () => ({
      state,
      login: async (email, password) => adopt(await api.login(email, password)),
      logout: async () => {
        await api.logout().catch(() => undefined);
        setCsrfToken(null);
        setState({ status: 'signedOut' });
      },
    }),
    [state, adopt],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}
