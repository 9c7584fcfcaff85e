/**
 * The one time limit on provider calls (issue 20 §4). `AbortSignal.timeout()` was used before, but
 * its timer outlives the call: a Durable Object cannot be evicted (and on Cloudflare stays billed)
 * until the 15–30 s timer fires, after every sync run. Here the timer is cleared in `finally` as soon
 * as the call settles, and an outer signal (the run's own abort on disconnect or pause) still
 * cancels the call.
 */

/** The reason a call's own deadline aborts with (`error.name` is what callers report). */
export function deadlineReason(ms: number): DOMException {
  return new DOMException(`no answer within ${ms} ms`, 'TimeoutError');
}

/**
 * Runs `work` with a signal that aborts after `ms` or when `outer` aborts, whichever comes first.
 * Whatever `work` awaits (the fetch and reading its body) is inside the limit; nothing is left
 * running once it settles.
 */
export async function withDeadline<T>(
  ms: number,
  outer: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener('abort', onOuterAbort, { once: true });
  const timer = setTimeout(() => controller.abort(deadlineReason(ms)), ms);
  try {
    return await work(controller.signal);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  }
}

/** Statuses whose Response cannot carry a body (the Response constructor refuses one). */
const NULL_BODY = new Set([204, 205, 304]);

/**
 * `fetch` within `withDeadline`, with the body read before the limit is lifted: the Response handed
 * back holds its body in memory, so a caller reading it later can neither hang nor keep a timer.
 */
export async function fetchWithDeadline(
  url: string,
  init: RequestInit,
  ms: number,
  outer?: AbortSignal,
): Promise<Response> {
  return withDeadline(ms, outer, async (signal) => {
    const response = await fetch(url, { ...init, signal });
    const body = NULL_BODY.has(response.status) ? null : await response.arrayBuffer();
    // The body is already decoded: its wire encoding and length no longer describe it.
    const headers = new Headers(response.headers);
    headers.delete('content-encoding');
    headers.delete('content-length');
    return new Response(body, { status: response.status, statusText: response.statusText, headers });
  });
}
