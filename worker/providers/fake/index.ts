/**
 * A third provider that exists only to prove the seams (test/node/third-provider.test.ts): it lives
 * in its own folder, is registered only by that test (through `adapterRegistry`, the code the
 * shipped registry uses) and is never part of the worker. It speaks a wire format of its own — a
 * recurrence `{ everyDays, count }`, a JSON push body, a fixed busy block — so that a path working
 * for it cannot be relying on Google's or Graph's shapes.
 */
import { z } from 'zod';
import { ProviderError } from '../errors.ts';
import type { CalendarProvider, NotificationRead, ProviderConfig, WebhookRequest } from '../types.ts';
import { fakeSeriesExpansion } from './recurrence.ts';

export const FAKE_WEBHOOK_PATH = '/v1/calendar/webhooks/fake';

/** The fake's push body: one notice per item, our channel ref and secret in plain fields. */
const FakePush = z.object({
  notices: z
    .array(z.object({ channel: z.string().max(64), secret: z.string().max(256), seq: z.number().int() }))
    .max(100),
});

async function parseFakePush(request: WebhookRequest): Promise<NotificationRead> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return { kind: 'malformed', field: 'body', message: 'must be JSON' };
  }
  const parsed = FakePush.safeParse(body);
  if (!parsed.success) return { kind: 'malformed', field: 'notices', message: 'must be a list of notices' };
  return {
    kind: 'notices',
    notices: parsed.data.notices.map((n) => ({
      channelRef: n.channel,
      providerId: n.channel,
      secret: n.secret,
      kind: 'changed',
      sequence: n.seq,
    })),
  };
}

const unsupported = (what: string) => () =>
  Promise.reject(new ProviderError('unknown', `the fake provider does not ${what}`));

export function fakeProvider(_config: ProviderConfig): CalendarProvider {
  return {
    name: 'fake',
    seriesExpansion: fakeSeriesExpansion,
    endpoints: {
      authorizationServer: { issuer: 'https://fake.invalid' },
      scopes: ['calendar'],
    },
    supportsOrganizationClient: false,
    platformClient: () => undefined,
    authorizationParameters: () => ({}),
    accountEmail: unsupported('look up accounts'),
    probeAccess: async () => ({ ok: true }),
    toProviderError: async (response) => new ProviderError('unknown', `fake answered ${response.status}`),
    // One busy hour at the start of the window per calendar; a calendar named 'broken' reports an error.
    async freeBusy(_accessToken, query) {
      return query.calendarIds.map((calendarId) =>
        calendarId === 'broken'
          ? { calendarId, busy: [], error: { code: 'not_found', message: 'no such calendar' } }
          : {
              calendarId,
              busy: [{ startMs: query.window.startMs, endMs: query.window.startMs + 3_600_000 }],
            },
      );
    },
    listChanges: async () => ({ changes: [], nextCursor: 'fake-cursor' }),
    openChannel: unsupported('open channels'),
    renewChannel: unsupported('renew channels'),
    closeChannel: async () => undefined,
    webhookPath: FAKE_WEBHOOK_PATH,
    parseNotification: parseFakePush,
    createEvent: unsupported('create events'),
    updateEvent: unsupported('update events'),
    deleteEvent: unsupported('delete events'),
  };
}
