/**
 * Builds and serves the emulator. The main listener hosts both providers under path prefixes
 *   /o/oauth2/v2/auth, /token, /revoke, /oauth2/v3/userinfo, /calendar/v3/…   Google's hosts
 *   /microsoft/login/…   login.microsoftonline.com
 *   /microsoft/graph/…   graph.microsoft.com
 *   /_control/…          the control API
 * Graph additionally gets its own listener with root paths (`/v1.0/…`), because Graph clients build
 * absolute `@odata.nextLink` URLs as `<host>/<version>/<path>`; with `tls: true` that listener also
 * speaks HTTPS (self-signed), which the official Graph SDK needs to attach tokens and follow links.
 */
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { generate } from 'selfsigned';
import { controlApi } from './control.ts';
import { googleCalendar } from './google/calendar.ts';
import { googleOAuth } from './google/oauth.ts';
import {
  type EmulatorContext,
  endFaultDelays,
  googleError,
  graphError,
  loseMarkedResponse,
  moveFaultDelays,
} from './http.ts';
import { microsoftGraph } from './microsoft/graph.ts';
import { microsoftIdentity } from './microsoft/identity.ts';
import { type EmulatorOptions, EmulatorState } from './state.ts';

type App = Hono<{ Variables: { state: EmulatorState } }>;

/**
 * A path the emulator does not serve: Graph's error envelope (`code` a string) on Graph's own
 * listener and under /microsoft/, Google's envelope on Google's hosts (there `code` is the status).
 */
function noRoute(c: EmulatorContext, graphOnly: boolean): Response {
  const message = `Emulator has no route for ${c.req.method} ${c.req.path}`;
  if (graphOnly || c.req.path.startsWith('/microsoft/') || c.req.path.startsWith('/_control/'))
    return graphError(c, 404, 'ResourceNotFound', message);
  return googleError(c, 404, 'notFound', message);
}

export interface RunningEmulator {
  readonly url: string;
  /** Graph at root paths (http). */
  readonly graphUrl: string;
  /** Graph at root paths over HTTPS (self-signed), when started with `tls: true`. */
  readonly graphTlsUrl?: string;
  /** The live state (replaced by /_control/reset). */
  state(): EmulatorState;
  /** Base URLs to give the worker. */
  readonly baseUrls: Record<
    | 'GOOGLE_ACCOUNTS_BASE_URL'
    | 'GOOGLE_OAUTH_BASE_URL'
    | 'GOOGLE_API_BASE_URL'
    | 'MICROSOFT_LOGIN_BASE_URL'
    | 'MICROSOFT_GRAPH_BASE_URL',
    string
  >;
  close(): Promise<void>;
}

export function createEmulatorApps(options: Partial<EmulatorOptions> = {}) {
  let state = new EmulatorState(options);
  const withState = (app: App, graphOnly = false) => {
    app.use('*', async (c, next) => {
      c.set('state', state);
      await next();
    });
    app.use('*', loseMarkedResponse);
    app.notFound((c) => noRoute(c, graphOnly));
    return app;
  };
  const main = withState(new Hono());
  main.get('/_control/health', (c) => c.json({ ok: true }));
  main.route(
    '/_control',
    controlApi((next) => {
      const previous = state;
      state = new EmulatorState({ ...options, ...next });
      moveFaultDelays(previous, state);
    }),
  );
  // Google's hosts (accounts.google.com, oauth2.googleapis.com, www.googleapis.com) have disjoint
  // paths, so they share the root; clients like @googleapis/calendar resolve paths from the root.
  main.route('/', googleOAuth);
  main.route('/calendar/v3', googleCalendar);
  main.route('/microsoft/login', microsoftIdentity);
  main.route('/microsoft/graph', microsoftGraph);
  const graph = withState(new Hono(), true);
  graph.route('/', microsoftGraph);
  return { main, graph, state: () => state };
}

type Server = ReturnType<typeof serve>;

async function listen(
  app: App,
  port: number,
  tls?: { key: string; cert: string },
): Promise<{ server: Server; port: number }> {
  const server = await new Promise<Server>((resolve) => {
    const s = serve(
      {
        fetch: app.fetch,
        port,
        hostname: '127.0.0.1',
        ...(tls ? { createServer: createHttpsServer, serverOptions: { key: tls.key, cert: tls.cert } } : {}),
      },
      () => resolve(s),
    );
  });
  return { server, port: (server.address() as AddressInfo).port };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
  });
}

export async function startEmulator(
  options: Partial<EmulatorOptions> & { port?: number; tls?: boolean } = {},
): Promise<RunningEmulator> {
  const { main, graph, state } = createEmulatorApps(options);
  const servers: Server[] = [];
  const primary = await listen(main, options.port ?? 0);
  servers.push(primary.server);
  const graphPlain = await listen(graph, 0);
  servers.push(graphPlain.server);
  let graphTlsUrl: string | undefined;
  if (options.tls) {
    const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keySize: 2048,
      extensions: [
        {
          name: 'subjectAltName',
          altNames: [
            { type: 7, ip: '127.0.0.1' },
            { type: 2, value: 'localhost' },
          ],
        },
      ],
    });
    const graphTls = await listen(graph, 0, { key: pems.private, cert: pems.cert });
    servers.push(graphTls.server);
    graphTlsUrl = `https://127.0.0.1:${graphTls.port}`;
  }
  const url = `http://127.0.0.1:${primary.port}`;
  const graphUrl = `http://127.0.0.1:${graphPlain.port}`;
  return {
    url,
    graphUrl,
    ...(graphTlsUrl ? { graphTlsUrl } : {}),
    state,
    baseUrls: {
      GOOGLE_ACCOUNTS_BASE_URL: url,
      GOOGLE_OAUTH_BASE_URL: url,
      GOOGLE_API_BASE_URL: url,
      MICROSOFT_LOGIN_BASE_URL: `${url}/microsoft/login`,
      MICROSOFT_GRAPH_BASE_URL: graphUrl,
    },
    close: async () => {
      const closed = Promise.all(servers.map(closeServer));
      // Calls held by a fault delay lost their sockets above; their timers must not keep the process.
      endFaultDelays(state());
      await closed;
    },
  };
}
