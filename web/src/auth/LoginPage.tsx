import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { useI18n } from '../i18n';
import { LocaleSwitch } from '../LocaleSwitch';
import { useSession } from './session';

export function LoginPage() {
  const { t } = useI18n();
  const { login } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email, password);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="login" id="main">
      <form className="login-card" onSubmit={submit} aria-labelledby="login-title">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true" />
          <span>{t('app.name')}</span>
        </div>
        <p className="muted">{t('app.tagline')}</p>
        <h1 id="login-title">{t('auth.title')}</h1>
        <p>{t('auth.intro')}</p>
        <label htmlFor="login-email">{t('auth.email')}</label>
        <input id="login-email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
        <label htmlFor="login-password">{t('auth.password')}</label>
        <input id="login-password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('auth.submitting') : t('auth.submit')}
        </button>
        <LocaleSwitch />
      </form>
    </main>
  );
}
