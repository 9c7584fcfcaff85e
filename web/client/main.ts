/** Admin panel entry: sign-in, then render sections from the API (permissions shape what is shown). */
import { googleCredentials, migrationBanner, settingsForm } from './admin-sections.ts';
import { ApiError, api, setToken } from './api.ts';
import { connectionList } from './connection-list.ts';
import { connectButtons } from './connections.ts';
import { h } from './dom.ts';
import { isAdmin, loadSession, type Session } from './session.ts';

const CONNECT_ERRORS: Record<string, string> = {
  access_denied: 'The calendar was not connected: access was denied at the provider.',
  state_used: 'That sign-in link was already used. Start again.',
  state_expired: 'The sign-in took too long. Start again.',
  invalid_state: 'The sign-in could not be verified. Start again.',
  invalid_grant: 'The provider rejected the sign-in. Start again.',
  provider_failed: 'The provider could not be reached. Try again later.',
};

const root = document.getElementById('app') as HTMLElement;
const notices = h('div', { class: 'notices', role: 'status' });

function notify(message: string, kind?: 'error'): void {
  notices.replaceChildren(h('p', { class: kind === 'error' ? 'notice error' : 'notice' }, message));
}

function consumeQueryNotice(): void {
  const params = new URLSearchParams(location.search);
  const connected = params.get('calendar_connected');
  const error = params.get('calendar_error');
  if (connected) notify(`${connected === 'google' ? 'Google Calendar' : 'Microsoft Outlook'} connected`);
  if (error) notify(CONNECT_ERRORS[error] ?? 'The calendar could not be connected.', 'error');
  if (connected || error) history.replaceState(null, '', location.pathname);
}

async function render(session: Session): Promise<void> {
  const admin = isAdmin(session);
  const refresh = () => render(session).catch(showFailure);
  const [list, migration, gws, settings] = await Promise.all([
    connectionList(session, refresh, notify),
    admin
      ? api<{ pending: number; failed: number }>('GET', '/v1/calendar/token-backfill/status')
      : Promise.resolve(undefined),
    admin
      ? api<{ configured: boolean; oauth_client_id: string | null }>('GET', '/v1/calendar/google-credentials')
      : Promise.resolve(undefined),
    admin ? api<Record<string, number>>('GET', '/v1/calendar/settings') : Promise.resolve(undefined),
  ]);
  const sections: Array<Node | null> = [
    notices,
    migration ? migrationBanner(migration, refresh, notify) : null,
    gws ? googleCredentials(gws, refresh, notify) : null,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'connections-title' },
      h('h2', { id: 'connections-title' }, 'Connected calendars'),
      connectButtons(session, notify),
      list,
    ),
    settings ? settingsForm(settings, notify) : null,
  ];
  root.replaceChildren(...sections.filter((s): s is Node => s !== null));
}

function showFailure(error: unknown): void {
  const message =
    error instanceof ApiError && error.status === 401
      ? 'Your session has expired. Open the panel again from CE.'
      : 'The panel could not load. Try again.';
  root.replaceChildren(notices, h('p', { class: 'error', role: 'alert' }, message));
}

const session = loadSession();
if (!session) {
  root.replaceChildren(
    h(
      'p',
      { class: 'error', role: 'alert' },
      'Not signed in. Open this panel from CE (or use the sign-in link npm start prints).',
    ),
  );
} else {
  setToken(session.token);
  const who = document.getElementById('whoami');
  if (who) who.textContent = isAdmin(session) ? 'Organization admin' : 'Member';
  consumeQueryNotice();
  render(session).catch(showFailure);
}
