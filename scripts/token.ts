/**
 * Dev token tool: prints a CE session JWT signed with the local secret (or AUTH_JWT_SECRET).
 *   npm run token -- --org <uuid> --user <uuid> --perm ce.calendar.view,ce.calendar.connect --role org_admin
 */
import { parseArgs } from 'node:util';
import { mintToken } from '../test/support/jwt.ts';
import { localSecrets } from './local-secrets.ts';

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
  const token = await mintToken({
    sub: values.user,
    org_id: values.org,
    permissions: values.perm.split(',').filter(Boolean),
    roles: values.role.split(',').filter(Boolean),
    expiresInSeconds: Number(values.hours) * 3600,
    audience: values.audience,
    ...(values.issuer ? { issuer: values.issuer } : {}),
    secret: process.env.AUTH_JWT_SECRET ?? localSecrets().AUTH_JWT_SECRET,
  });
  console.log(token);
}
