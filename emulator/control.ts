/**
 * Control API (not part of either provider): set up clients and accounts, change events "as the
 * user would", generate large calendars, invalidate cursors, revoke grants, inject faults, move the
 * clock, and read counters and deliveries. Documented in emulator/README.md.
 */
import { Hono } from 'hono';
import { exceptionFromOccurrence, occurrenceById, occurrencesOfMaster } from './expand.ts';
import { generateCalendar } from './generate.ts';
import { applyGoogleBody, type GoogleEventBody, renderEvent, WireError } from './google/wire.ts';
import { controlNotFound } from './http.ts';
import { respondToInvitation } from './invitations.ts';
import { fromGraphId, toGraphId } from './microsoft/ids.ts';
import { applyGraphBody, type GraphEventBody, GraphWireError, renderGraphEvent } from './microsoft/wire.ts';
import {
  type Account,
  type Attendee,
  accountKey,
  type Calendar,
  type Provider,
  primaryCalendar,
  type StoredEvent,
} from './model.ts';
import { blankEvent, deleteEvent, newGoogleEventId, newGraphEventId, recordChange } from './mutations.ts';
import { registerPushControl, sendGraphLifecycle } from './push.ts';
import { splitSeries } from './split.ts';
import type { EmulatorOptions, EmulatorState, Fault, FaultKind } from './state.ts';

type Env = { Variables: { state: EmulatorState } };

const PROVIDERS = new Set(['google', 'microsoft']);
const FAULT_KINDS = new Set<FaultKind>([
  'http_429',
  'google_rate_limit',
  'google_user_rate_limit',
  'http_500',
  'http_503',
  'timeout',
  'lost_response',
  'slow',
  'invalid_grant',
  'quota_exceeded',
  'refresh_token_expired',
  'unreported',
]);

const RESPONSES = new Set(['accepted', 'declined', 'tentative', 'needsAction']);

/** An instance id of a live series as the exception a change to it creates (not yet stored). */
function instanceAsException(state: EmulatorState, calendar: Calendar, id: string): StoredEvent | undefined {
  const masterId = id.match(/^(.+)_(\d{8}(?:T\d{6}Z)?)$/)?.[1];
  const master = masterId ? calendar.events.get(masterId) : undefined;
  if (!master?.recurrence?.length || master.deleted) return undefined;
  const occurrence = occurrenceById(calendar, master, id, false);
  return occurrence ? exceptionFromOccurrence(master, occurrence, state.clock.now()) : undefined;
}

export function controlApi(reset: (options?: Partial<EmulatorOptions>) => void): Hono<Env> {
  const control = new Hono<Env>();
  const bad = (message: string) => Response.json({ error: message }, { status: 400 });

  control.post('/reset', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as Partial<EmulatorOptions>;
    reset(body);
    return c.json({ ok: true });
  });

  control.post('/options', async (c) => {
    Object.assign(c.get('state').options, (await c.req.json()) as Partial<EmulatorOptions>);
    return c.json(c.get('state').options);
  });

  control.post('/clients', async (c) => {
    const body = (await c.req.json()) as {
      provider?: string;
      client_id?: string;
      client_secret?: string;
      redirect_uris?: string[];
    };
    if (!PROVIDERS.has(body.provider ?? '') || !body.client_id || !body.client_secret)
      return bad('provider, client_id and client_secret are required');
    c.get('state').registerClient({
      provider: body.provider as Provider,
      clientId: body.client_id,
      clientSecret: body.client_secret,
      ...(body.redirect_uris ? { redirectUris: body.redirect_uris } : {}),
    });
    return c.json({ ok: true }, 201);
  });

  control.post('/accounts', async (c) => {
    const body = (await c.req.json()) as {
      provider?: string;
      email?: string;
      name?: string;
      time_zone?: string;
    };
    if (!PROVIDERS.has(body.provider ?? '') || !body.email) return bad('provider and email are required');
    const account = c
      .get('state')
      .createAccount(body.provider as Provider, body.email, body.name, body.time_zone ?? 'UTC');
    return c.json({ id: account.id, email: account.email, calendar_id: primaryCalendar(account).id }, 201);
  });

  control.get('/accounts', (c) =>
    c.json(
      [...c.get('state').accounts.values()].map((a) => ({
        provider: a.provider,
        id: a.id,
        email: a.email,
        calendars: [...a.calendars.keys()],
      })),
    ),
  );

  const withAccount = (c: {
    req: { param(k: string): string | undefined };
    get(k: 'state'): EmulatorState;
  }): Account | undefined =>
    c
      .get('state')
      .account(c.req.param('provider') as Provider, decodeURIComponent(c.req.param('email') ?? ''));

  /**
   * The account's live event named in the path (primary calendar), or a 404. Instance ids (Google
   * `<id>_<start>`, Graph opaque occurrence ids) materialise the exception the change will create.
   */
  const storedEvent = (c: Parameters<typeof withAccount>[0]) => {
    const account = withAccount(c);
    if (!account) return controlNotFound('no such account');
    const calendar = primaryCalendar(account);
    const id = fromGraphId(decodeURIComponent(c.req.param('id') ?? ''));
    const event = calendar.events.get(id) ?? instanceAsException(c.get('state'), calendar, id);
    if (!event || event.deleted) return controlNotFound('no such event');
    return { account, calendar, event };
  };

  const render = (account: Account, event: StoredEvent) =>
    account.provider === 'google'
      ? renderEvent(event, account)
      : renderGraphEvent(event, account, { zone: 'UTC', label: 'UTC' });

  control.post('/accounts/:provider/:email/calendars', async (c) => {
    const account = withAccount(c);
    if (!account) return controlNotFound('no such account');
    const body = (await c.req.json()) as { id?: string; summary?: string; time_zone?: string };
    const id = body.id ?? c.get('state').random.string(26);
    account.calendars.set(id, {
      id,
      summary: body.summary ?? id,
      timeZone: body.time_zone ?? account.timeZone,
      primary: false,
      events: new Map(),
      seq: 0,
      tokenGeneration: 0,
    });
    return c.json({ id }, 201);
  });

  control.post('/accounts/:provider/:email/events', async (c) => {
    const state = c.get('state');
    const account = withAccount(c);
    if (!account) return controlNotFound('no such account');
    const body = (await c.req.json()) as { calendar_id?: string; event?: Record<string, unknown> };
    const calendar = body.calendar_id
      ? state.calendarOf(account, body.calendar_id)
      : primaryCalendar(account);
    if (!calendar) return controlNotFound('no such calendar');
    const input = body.event ?? {};
    try {
      if (account.provider === 'google') {
        const g = input as GoogleEventBody;
        const event = blankEvent(state, account, g.id ?? newGoogleEventId(state));
        applyGoogleBody(event, g, calendar, 'insert');
        recordChange(state, account, calendar, event, 'created');
        return c.json(renderEvent(event, account), 201);
      }
      const graphBody = input as GraphEventBody;
      const event = blankEvent(state, account, newGraphEventId(state));
      applyGraphBody(event, graphBody, true);
      // As on Graph's own create: the client's transactionId is kept (and returned) with the event.
      if (graphBody.transactionId) event.transactionId = graphBody.transactionId;
      recordChange(state, account, calendar, event, 'created');
      return c.json(renderGraphEvent(event, account, { zone: 'UTC', label: 'UTC' }), 201);
    } catch (error) {
      if (error instanceof WireError || error instanceof GraphWireError) return bad(error.message);
      throw error;
    }
  });

  control.patch('/accounts/:provider/:email/events/:id', async (c) => {
    const state = c.get('state');
    const target = storedEvent(c);
    if (target instanceof Response) return target;
    const { account, calendar, event } = target;
    const body = (await c.req.json()) as { event?: Record<string, unknown> };
    const patch = body.event ?? {};
    try {
      if (account.provider === 'google') {
        applyGoogleBody(event, patch as GoogleEventBody, calendar, 'patch');
      } else {
        applyGraphBody(event, patch as GraphEventBody, false);
      }
    } catch (error) {
      if (error instanceof WireError || error instanceof GraphWireError) return bad(error.message);
      throw error;
    }
    recordChange(state, account, calendar, event, 'updated');
    return c.json(render(account, event));
  });

  // Invitation copies in the account's primary calendar (what the attendee received), rendered.
  control.get('/accounts/:provider/:email/invitations', (c) => {
    const account = withAccount(c);
    if (!account) return controlNotFound('no such account');
    const copies = [...primaryCalendar(account).events.values()].filter(
      (e) => e.inviteOf && !e.deleted && !e.recurringEventId,
    );
    return c.json(copies.map((e) => render(account, e)));
  });

  // The instances of a series as the provider names them (Google `<id>_<start>`, Graph opaque ids),
  // so a test or demo can move or cancel the n-th one.
  control.get('/accounts/:provider/:email/events/:id/instances', (c) => {
    const target = storedEvent(c);
    if (target instanceof Response) return target;
    const { account, calendar, event } = target;
    if (!event.recurrence?.length) return bad('not a series master');
    const from = Date.parse(c.req.query('from') ?? '') || event.startMs;
    const to = Date.parse(c.req.query('to') ?? '') || from + 366 * 86_400_000;
    return c.json(
      occurrencesOfMaster(calendar, event, from, to, false).map((o) => ({
        id: account.provider === 'google' ? o.id : toGraphId(o.id),
        kind: o.kind,
        start: new Date(o.startMs).toISOString(),
        original_start: new Date(o.originalStartMs ?? o.startMs).toISOString(),
      })),
    );
  });

  control.post('/accounts/:provider/:email/events/:id/respond', async (c) => {
    const target = storedEvent(c);
    if (target instanceof Response) return target;
    const { account, calendar, event } = target;
    const body = (await c.req.json().catch(() => ({}))) as { response?: string };
    if (!RESPONSES.has(body.response ?? ''))
      return bad('response must be accepted, declined, tentative or needsAction');
    const response = body.response as Attendee['responseStatus'];
    if (!respondToInvitation(c.get('state'), account, calendar, event, response))
      return bad('the account is not an attendee of this event');
    return c.json(render(account, event));
  });

  control.post('/accounts/:provider/:email/events/:id/split', async (c) => {
    const state = c.get('state');
    const target = storedEvent(c);
    if (target instanceof Response) return target;
    const { account, calendar, event } = target;
    const body = (await c.req.json().catch(() => ({}))) as {
      start?: string;
      event?: Record<string, unknown>;
    };
    const splitMs = Date.parse(body.start ?? '');
    if (!Number.isFinite(splitMs))
      return bad('start (the original start of the first instance of the new series, RFC 3339) is required');
    const halves = splitSeries(state, account, event, splitMs);
    if (!halves)
      return bad('start must be the original start of an instance after the first one of a series');
    try {
      if (body.event && account.provider === 'google')
        applyGoogleBody(halves.following, body.event as GoogleEventBody, calendar, 'patch');
      else if (body.event) applyGraphBody(halves.following, body.event as GraphEventBody, false);
    } catch (error) {
      if (error instanceof WireError || error instanceof GraphWireError) return bad(error.message);
      throw error;
    }
    recordChange(state, account, calendar, halves.original, 'updated');
    recordChange(state, account, calendar, halves.following, 'created');
    return c.json(
      { original: render(account, halves.original), following: render(account, halves.following) },
      201,
    );
  });

  control.delete('/accounts/:provider/:email/events/:id', (c) => {
    const state = c.get('state');
    const target = storedEvent(c);
    if (target instanceof Response) return target;
    const { account, calendar, event } = target;
    deleteEvent(state, account, calendar, event);
    return c.body(null, 204);
  });

  control.post('/accounts/:provider/:email/generate', async (c) => {
    const state = c.get('state');
    const account = withAccount(c);
    if (!account) return controlNotFound('no such account');
    const body = (await c.req.json().catch(() => ({}))) as {
      count?: number;
      seed?: number;
      start_date?: string;
      days?: number;
      calendar_id?: string;
    };
    const calendar = body.calendar_id
      ? state.calendarOf(account, body.calendar_id)
      : primaryCalendar(account);
    if (!calendar) return controlNotFound('no such calendar');
    const count = body.count ?? 100;
    if (!Number.isInteger(count) || count < 1 || count > 200_000) return bad('count must be 1..200000');
    const summary = generateCalendar(state, account, calendar, {
      count,
      seed: body.seed ?? state.options.seed,
      startDate: body.start_date ?? '2026-01-01',
      days: body.days ?? 365,
    });
    return c.json(summary, 201);
  });

  control.post('/accounts/:provider/:email/invalidate-sync-tokens', (c) => {
    const account = withAccount(c);
    if (!account) return controlNotFound('no such account');
    for (const calendar of account.calendars.values()) calendar.tokenGeneration += 1;
    return c.json({ ok: true });
  });

  control.post('/accounts/:provider/:email/revoke-grants', (c) => {
    const account = withAccount(c);
    if (!account) return controlNotFound('no such account');
    return c.json({ revoked: c.get('state').revokeGrantsOf(accountKey(account.provider, account.email)) });
  });

  control.post('/accounts/:provider/:email/expire-access-tokens', (c) => {
    const state = c.get('state');
    const account = withAccount(c);
    if (!account) return controlNotFound('no such account');
    const key = accountKey(account.provider, account.email);
    let expired = 0;
    for (const record of state.accessTokens.values()) {
      if (state.grants.get(record.grantId)?.accountKey === key && record.expiresAt > state.clock.now()) {
        record.expiresAt = state.clock.now();
        expired++;
      }
    }
    return c.json({ expired });
  });

  control.get('/accounts/:provider/:email/counters', (c) => {
    const account = withAccount(c);
    if (!account) return controlNotFound('no such account');
    return c.json(c.get('state').counters.get(accountKey(account.provider, account.email)) ?? {});
  });

  control.get('/counters', (c) => c.json(Object.fromEntries(c.get('state').counters)));

  control.post('/faults', async (c) => {
    const state = c.get('state');
    const body = (await c.req.json()) as {
      provider?: string;
      account?: string;
      endpoint?: string;
      kind?: string;
      times?: number;
      probability?: number;
      retry_after?: number;
      delay_ms?: number;
    };
    if (!body.endpoint || !FAULT_KINDS.has(body.kind as FaultKind))
      return bad(`endpoint and kind (${[...FAULT_KINDS].join(', ')}) are required`);
    if (body.provider && !PROVIDERS.has(body.provider)) return bad('provider must be google or microsoft');
    if (body.probability !== undefined && (body.probability < 0 || body.probability > 1))
      return bad('probability must be within 0..1');
    const fault: Fault = {
      id: state.random.uuid(),
      endpoint: body.endpoint,
      kind: body.kind as FaultKind,
      fired: 0,
      ...(body.provider ? { provider: body.provider as Provider } : {}),
      ...(body.account ? { account: body.account } : {}),
      ...(body.times !== undefined ? { remaining: body.times } : {}),
      ...(body.probability !== undefined ? { probability: body.probability } : {}),
      ...(body.retry_after !== undefined ? { retryAfterSeconds: body.retry_after } : {}),
      ...(body.delay_ms !== undefined ? { delayMs: body.delay_ms } : {}),
    };
    state.faults.push(fault);
    return c.json(fault, 201);
  });

  control.get('/faults', (c) => c.json(c.get('state').faults));
  control.delete('/faults', (c) => {
    c.get('state').faults.length = 0;
    return c.body(null, 204);
  });

  control.post('/clock', async (c) => {
    const state = c.get('state');
    const body = (await c.req.json()) as { advance_seconds?: number };
    state.clock.offsetMs += (body.advance_seconds ?? 0) * 1000;
    return c.json({ now: state.clock.date().toISOString() });
  });

  control.get('/deliveries', (c) => c.json(c.get('state').deliveries));
  control.post('/settle', async (c) => {
    await c.get('state').settle();
    return c.json({ ok: true });
  });

  control.post('/subscriptions/:id/lifecycle', async (c) => {
    const state = c.get('state');
    const subscription = state.subscriptions.get(c.req.param('id'));
    if (!subscription) return controlNotFound('no such subscription');
    const body = (await c.req.json()) as { event?: string };
    if (!['reauthorizationRequired', 'subscriptionRemoved', 'missed'].includes(body.event ?? ''))
      return bad('event must be reauthorizationRequired, subscriptionRemoved or missed');
    const sent = sendGraphLifecycle(state, subscription, body.event as 'missed');
    if (body.event === 'subscriptionRemoved') state.subscriptions.delete(subscription.id);
    if (body.event === 'reauthorizationRequired') subscription.reauthorizationRequired = true;
    return c.json({ sent });
  });

  registerPushControl(control);
  return control;
}
