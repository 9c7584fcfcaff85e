/** Worker entry: HTTP via Hono, Cron Triggers, and the Durable Object class wrangler binds. */
import { app } from './app.ts';
import type { Env } from './env.ts';
import { handleScheduled } from './scheduled.ts';

export { CalendarConnection } from '../durable-objects/calendar-connection.ts';

export default {
  fetch: app.fetch,
  scheduled: (controller, env, ctx) => {
    ctx.waitUntil(handleScheduled(controller, env));
  },
} satisfies ExportedHandler<Env>;
