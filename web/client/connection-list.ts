/**
 * The "Connected calendars" list: a page of cards at a time (Reconnect and Error first, as the API
 * orders them), a status filter and a search by account, and "Show more" for the next page. Filters
 * live in the URL-free module state so a refresh after an action keeps what the admin was looking at.
 */
import { api } from './api.ts';
import { type Card, connectionCard } from './connections.ts';
import { h } from './dom.ts';
import type { Session } from './session.ts';

interface ConnectionPage {
  connections: Card[];
  total: number;
  next_cursor: string | null;
}

const FILTERS: Array<[string, string]> = [
  ['', 'All'],
  ['attention', 'Needs attention'],
  ['reconnect', 'Reconnect'],
  ['error', 'Error'],
  ['paused', 'Paused'],
  ['waiting', 'Waiting for first sync'],
  ['syncing', 'Syncing'],
];
const PAGE_SIZE = 24;
const SEARCH_DELAY_MS = 250;

const state = { status: '', q: '' };

function pagePath(cursor: string | null): string {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (state.status) params.set('status', state.status);
  if (state.q) params.set('q', state.q);
  if (cursor) params.set('cursor', cursor);
  return `/v1/calendar/connections?${params}`;
}

/** Loads the first page with the current filters and returns the section's list element. */
export async function connectionList(
  session: Session,
  refresh: () => Promise<void>,
  notify: (m: string, k?: 'error') => void,
): Promise<HTMLElement> {
  const cards = h('div', { class: 'cards' });
  const summary = h('p', { class: 'muted', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'more' }, 'Show more');
  let nextCursor: string | null = null;
  let loaded = 0;
  let request = 0;

  const load = async (reset: boolean) => {
    const mine = ++request;
    const page = await api<ConnectionPage>('GET', pagePath(reset ? null : nextCursor));
    if (mine !== request) return; // a newer filter won the race
    if (reset) {
      cards.replaceChildren();
      loaded = 0;
    }
    cards.append(...page.connections.map((card) => connectionCard(card, session, refresh, notify)));
    loaded += page.connections.length;
    nextCursor = page.next_cursor;
    more.hidden = nextCursor === null;
    summary.textContent =
      page.total === 0
        ? state.status || state.q
          ? 'No calendars match.'
          : 'No calendars connected yet.'
        : `Showing ${loaded} of ${page.total}`;
  };
  const reload = () => load(true).catch(() => notify('The list could not load', 'error'));
  more.addEventListener(
    'click',
    () => void load(false).catch(() => notify('The list could not load', 'error')),
  );

  const status = h(
    'select',
    {
      'aria-label': 'Filter by status',
      onchange: (e: Event) => {
        state.status = (e.target as HTMLSelectElement).value;
        void reload();
      },
    },
    ...FILTERS.map(([value, label]) => h('option', { value, selected: value === state.status }, label)),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const search = h('input', {
    type: 'search',
    'aria-label': 'Search by account',
    placeholder: 'Search by account',
    maxlength: 200,
    value: state.q,
    oninput: (e: Event) => {
      clearTimeout(timer);
      const value = (e.target as HTMLInputElement).value.trim();
      timer = setTimeout(() => {
        state.q = value;
        void reload();
      }, SEARCH_DELAY_MS);
    },
  });

  await load(true);
  return h(
    'div',
    { class: 'connection-list' },
    h('div', { class: 'toolbar' }, status, search),
    summary,
    cards,
    more,
  );
}
