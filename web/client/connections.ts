/** Connection cards, connect buttons, auto-sync toggle, sync now, disconnect with confirmation. */
import { ApiError, api } from './api.ts';
import { h, relativeTime } from './dom.ts';
import { can, type Session } from './session.ts';

export interface Card {
  id: string;
  user_id: string;
  provider: 'google' | 'microsoft';
  account_email: string;
  sync_enabled: boolean;
  status: 'syncing' | 'waiting' | 'paused' | 'error' | 'reconnect';
  last_sync_at: string | null;
  last_error_code: string | null;
  oauth_client: 'organization' | 'platform';
  migration_required: boolean;
  events_mirrored?: number;
  next_sync_at?: string | null;
  last_error?: { code: string; message: string } | null;
  sync_lag_seconds?: number | null;
}

interface Upcoming {
  events: Array<{ title: string | null; all_day: boolean; start: string; end: string; busy_kind: string }>;
}

/** "in 5 min" / "in 2 h" for a planned time. */
function untilTime(iso: string): string {
  const minutes = Math.max(0, Math.round((Date.parse(iso) - Date.now()) / 60_000));
  if (minutes < 1) return 'within a minute';
  if (minutes < 60) return `in ${minutes} min`;
  return `in ${Math.round(minutes / 60)} h`;
}

function lagText(seconds: number): string {
  return seconds < 90 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

/** The calendar's next 7 days (busy time from the mirror); titles only where the API returns them. */
function upcomingPanel(card: Card): HTMLElement {
  const list = h('ul', { class: 'upcoming-list' });
  const details = h('details', { class: 'upcoming' }, h('summary', {}, 'Next 7 days'), list);
  details.addEventListener('toggle', () => {
    if (!details.open || list.childElementCount > 0) return;
    list.append(h('li', { class: 'muted' }, 'Loading…'));
    void api<Upcoming>('GET', `/v1/calendar/connections/${card.id}/upcoming`)
      .then(({ events }) => {
        list.replaceChildren(
          ...(events.length === 0
            ? [h('li', { class: 'muted' }, 'Nothing in the next 7 days')]
            : events.map((event) =>
                h(
                  'li',
                  {},
                  h(
                    'time',
                    { datetime: event.start },
                    event.all_day ? event.start : new Date(event.start).toLocaleString(),
                  ),
                  ' ',
                  event.title ?? (event.busy_kind === 'out_of_office' ? 'Out of office' : 'Busy'),
                ),
              )),
        );
      })
      .catch((error: unknown) => {
        list.replaceChildren(
          h('li', { class: 'error' }, error instanceof ApiError ? error.message : 'Could not load events'),
        );
      });
  });
  return details;
}

const BADGE: Record<Card['status'], string> = {
  syncing: 'Syncing',
  // Connected, but no sync run has ended yet: saying "Syncing" would claim work that has not happened.
  waiting: 'Waiting for first sync',
  paused: 'Paused',
  error: 'Error',
  reconnect: 'Reconnect',
};
const PROVIDER: Record<Card['provider'], string> = {
  google: 'Google Calendar',
  microsoft: 'Microsoft Outlook',
};
const ERRORS: Record<string, string> = {
  invalid_grant: 'Access was revoked or expired at the provider. Reconnect this calendar.',
  missing_refresh_token: 'The provider did not grant offline access. Reconnect this calendar.',
};

export async function startConnect(
  provider: Card['provider'],
  notify: (message: string, kind?: 'error') => void,
): Promise<void> {
  try {
    const { authorization_url } = await api<{ authorization_url: string }>(
      'POST',
      '/v1/calendar/oauth/start',
      { provider, return_to: '/admin' },
    );
    location.assign(authorization_url);
  } catch (error) {
    notify(error instanceof ApiError ? error.message : 'Could not start the connection', 'error');
  }
}

export function connectButtons(
  session: Session,
  notify: (m: string, k?: 'error') => void,
): HTMLElement | null {
  if (!can(session, 'ce.calendar.connect')) return null;
  return h(
    'div',
    { class: 'actions' },
    h(
      'button',
      { type: 'button', class: 'primary', onclick: () => void startConnect('google', notify) },
      'Connect Google Calendar',
    ),
    h(
      'button',
      { type: 'button', class: 'primary', onclick: () => void startConnect('microsoft', notify) },
      'Connect Microsoft Outlook',
    ),
  );
}

export function connectionCard(
  card: Card,
  session: Session,
  refresh: () => Promise<void>,
  notify: (m: string, k?: 'error') => void,
): HTMLElement {
  const own = card.user_id === session.userId;
  const toggleId = `sync-${card.id}`;
  const dialog = h(
    'dialog',
    { 'aria-labelledby': `dlg-${card.id}` },
    h('h3', { id: `dlg-${card.id}` }, 'Disconnect this calendar?'),
    h(
      'p',
      {},
      `${PROVIDER[card.provider]} (${card.account_email}) will stop syncing and its synced events will be removed from CE.`,
    ),
    h(
      'form',
      { method: 'dialog', class: 'actions' },
      h('button', { value: 'cancel', type: 'submit', autofocus: true }, 'Cancel'),
      h('button', { value: 'confirm', type: 'submit', class: 'danger' }, 'Disconnect'),
    ),
  );
  dialog.addEventListener('close', () => {
    if (dialog.returnValue !== 'confirm') return;
    void api('DELETE', `/v1/calendar/connections/${card.id}`)
      .then(() => notify('Calendar disconnected'))
      .catch((e: unknown) => notify(e instanceof ApiError ? e.message : 'Disconnect failed', 'error'))
      .then(refresh);
  });
  const errorText =
    card.status === 'reconnect' || card.status === 'error'
      ? (ERRORS[card.last_error_code ?? ''] ??
        card.last_error?.message ??
        `Sync error: ${card.last_error_code ?? 'unknown'}`)
      : card.last_error
        ? card.last_error.message
        : null;
  return h(
    'article',
    {
      class: `card status-${card.status}`,
      'data-connection-id': card.id,
      'aria-label': `${PROVIDER[card.provider]} ${card.account_email}`,
    },
    h(
      'header',
      {},
      h('h2', {}, PROVIDER[card.provider]),
      h('span', { class: `badge badge-${card.status}` }, BADGE[card.status]),
    ),
    h('p', { class: 'account' }, card.account_email),
    h(
      'p',
      { class: 'muted' },
      'OAuth client: ',
      h(
        'span',
        { class: 'client' },
        card.oauth_client === 'organization' ? 'Your organization' : 'Encore platform default',
      ),
    ),
    h(
      'p',
      { class: 'muted' },
      'Last successful sync: ',
      h(
        'time',
        {
          datetime: card.last_sync_at ?? '',
          title: card.last_sync_at ? new Date(card.last_sync_at).toLocaleString() : 'never synced',
        },
        relativeTime(card.last_sync_at),
      ),
    ),
    card.events_mirrored === undefined
      ? null
      : h('p', { class: 'muted mirror-stats' }, `Events mirrored: ${card.events_mirrored}`),
    card.sync_enabled && card.next_sync_at
      ? h(
          'p',
          { class: 'muted' },
          'Next sync: ',
          h('time', { datetime: card.next_sync_at }, untilTime(card.next_sync_at)),
        )
      : null,
    card.sync_lag_seconds === null || card.sync_lag_seconds === undefined
      ? null
      : h('p', { class: 'muted' }, `Sync lag: ${lagText(card.sync_lag_seconds)}`),
    errorText ? h('p', { class: 'error', role: 'alert' }, errorText) : null,
    upcomingPanel(card),
    card.migration_required
      ? h('p', { class: 'warn' }, 'Tokens not yet in the vault (migration pending)')
      : null,
    own
      ? h(
          'div',
          { class: 'actions' },
          h(
            'label',
            { for: toggleId, class: 'switch' },
            h('input', {
              id: toggleId,
              type: 'checkbox',
              role: 'switch',
              checked: card.sync_enabled,
              onchange: (e: Event) => {
                const enabled = (e.target as HTMLInputElement).checked;
                void api('PATCH', `/v1/calendar/connections/${card.id}`, { sync_enabled: enabled })
                  .catch((err: unknown) =>
                    notify(err instanceof ApiError ? err.message : 'Update failed', 'error'),
                  )
                  .then(refresh);
              },
            }),
            ' Auto-sync',
          ),
          h(
            'button',
            {
              type: 'button',
              onclick: () =>
                void api('POST', `/v1/calendar/connections/${card.id}/sync`)
                  .then(() => notify('Sync requested'))
                  .catch((err: unknown) =>
                    notify(err instanceof ApiError ? err.message : 'Sync failed', 'error'),
                  ),
            },
            'Sync now',
          ),
          card.status === 'reconnect' && can(session, 'ce.calendar.connect')
            ? h(
                'button',
                { type: 'button', onclick: () => void startConnect(card.provider, notify) },
                'Reconnect',
              )
            : null,
          can(session, 'ce.calendar.connect')
            ? h(
                'button',
                { type: 'button', class: 'danger', onclick: () => dialog.showModal() },
                'Disconnect',
              )
            : null,
          dialog,
        )
      : null,
  );
}
