/**
 * Sign-in: CE hands the session JWT over in the URL fragment (`/admin#token=…`; fragments are never
 * sent to servers or logged). It is moved to sessionStorage and the fragment is removed at once, so
 * no token stays in the address bar or history. The claims are read only to shape the UI; the API
 * remains the authority.
 */
export interface Session {
  token: string;
  userId: string;
  roles: string[];
  permissions: string[];
}

const KEY = 'ce-calendar-token';

function decode(token: string): Omit<Session, 'token'> | undefined {
  try {
    const payload = JSON.parse(atob((token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/'))) as {
      sub?: string;
      roles?: string[];
      permissions?: string[];
      exp?: number;
    };
    if (!payload.sub || (payload.exp ?? 0) * 1000 < Date.now()) return undefined;
    return { userId: payload.sub, roles: payload.roles ?? [], permissions: payload.permissions ?? [] };
  } catch {
    return undefined;
  }
}

export function loadSession(): Session | undefined {
  const fragment = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fragment) {
    sessionStorage.setItem(KEY, fragment);
    history.replaceState(null, '', location.pathname + location.search);
  }
  const token = sessionStorage.getItem(KEY);
  const claims = token ? decode(token) : undefined;
  return token && claims ? { token, ...claims } : undefined;
}

export const isAdmin = (s: Session) => s.roles.includes('org_admin') || s.roles.includes('platform_admin');
export const can = (s: Session, permission: string) => s.permissions.includes(permission);
