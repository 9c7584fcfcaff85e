/** API calls with the session's bearer token; errors keep the server's code, message and field list. */
export interface FieldProblem {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
  }
}

let bearer = '';
export const setToken = (token: string) => {
  bearer = token;
};

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({}))) as {
    error?: { code?: string; message?: string; details?: { fields?: FieldProblem[] } };
  };
  if (!res.ok)
    throw new ApiError(
      res.status,
      data.error?.code ?? 'error',
      data.error?.message ?? `Request failed (${res.status})`,
      data.error?.details?.fields ?? [],
    );
  return data as T;
}
