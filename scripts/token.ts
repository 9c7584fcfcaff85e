/**
 * Dev token tool: prints a CE session JWT signed with the local secret (or AUTH_JWT_SECRET).
 *   npm run token -- --org <uuid> --user <uuid> --perm ce.calendar.view,ce.calendar.connect --role org_admin
 */
import { parseArgs } from 'node:util';
import { mintToken } from '../test/support/jwt.ts';
import { existingLocalSecrets, LOCAL_DIR, runningStack } from './local-secrets.ts';

export const DEMO_ORG = '00000000-0000-4000-8000-00000000d0e0';
export const DEMO_ADMIN = '00000000-0000-4000-8000-0000000ad000';
export const ALL_PERMISSIONS = [
  'ce.calendar.connect',
  'ce.calendar.schedule',
  'ce.calendar.view',
  'ce.calendar.view-all',
];

export async function demoAdminToken(secret: string, hours = 12): Promise<string> {
  return mintToken({
    sub: DEMO_ADMIN,
    org_id: DEMO_ORG,
    roles: ['org_admin'],
    permissions: ALL_PERMISSIONS,
    expiresInSeconds: hours * 3600,
    secret,
  });
}

/**
 * The secret tokens are signed with: AUTH_JWT_SECRET, else the one `npm start` generated in
 * CE_LOCAL_DIR. Never generates one: a fresh secret would sign tokens no running stack accepts.
 */
function signingSecret(): string {
  if (process.env.AUTH_JWT_SECRET) return process.env.AUTH_JWT_SECRET;
  const secrets = existingLocalSecrets();
  if (!secrets) {
    console.error(
      `No local stack secrets in ${LOCAL_DIR}: run \`npm start\` with the same CE_LOCAL_DIR first, or set AUTH_JWT_SECRET.`,
    );
    process.exit(2);
  }
  if (!runningStack())
    console.error(
      `Note: no stack is running from ${LOCAL_DIR}; the token is for the one \`npm start\` runs there.`,
    );
  return secrets.AUTH_JWT_SECRET;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      org: { type: 'string', default: DEMO_ORG },
      user: { type: 'string', default: DEMO_ADMIN },
      perm: { type: 'string', default: ALL_PERMISSIONS.join(',') },
      role: { type: 'string', default: '' },
      hours: { type: 'string', default: '12' },
      issuer: { type: 'string' },
      audience: { type: 'string', default: 'authenticated' },
    },
  });
  // The worker refuses a token living longer than AUTH_JWT_MAX_LIFETIME_SECONDS (default 24 h).
  const maxHours = Number(process.env.AUTH_JWT_MAX_LIFETIME_SECONDS || 86_400) / 3600;
  const hours = Number(values.hours);
  if (!(hours > 0 && hours <= maxHours)) {
    console.error(
      `--hours must be more than 0 and at most ${maxHours} (the worker's AUTH_JWT_MAX_LIFETIME_SECONDS); got ${values.hours}.`,
    );
    process.exit(2);
  }
  const token = await mintToken({
    sub: values.user,
    org_id: values.org,
    permissions: values.perm.split(',').filter(Boolean),
    roles: values.role.split(',').filter(Boolean),
    expiresInSeconds: hours * 3600,
    audience: values.audience,
    ...(values.issuer ? { issuer: values.issuer } : {}),
    secret: signingSecret(),
  });
  console.log(token);
}
