/**
 * "Refresh once, then retry" (durable-objects/token-call.ts withAccessToken), the one helper the push
 * channel calls and the meeting outbox use: a 401 (`unauthorized`) is answered by one forced refresh
 * and one more call; a second 401 is the provider's answer; any other error is not a token problem.
 */
import { describe, expect, it } from 'vitest';
import { withAccessToken } from '../../durable-objects/token-call.ts';
import type { AccessTokenResult } from '../../durable-objects/token-refresher.ts';
import { ProviderError } from '../../worker/providers/errors.ts';

/** A token source that hands out `t0`, `t1`, … and records whether each load was forced. */
function tokens() {
  const forced: boolean[] = [];
  const token = async (force: boolean): Promise<AccessTokenResult> => {
    forced.push(force);
    return { ok: true, accessToken: `t${forced.length - 1}`, expiresAt: '2026-12-06T12:00:00Z' };
  };
  return { forced, token };
}

const refused = () => new ProviderError('invalid_grant', 'token unavailable');

/** A call that throws the given errors in turn, then answers with the token it was given. */
function calls(...errors: Error[]) {
  const seen: string[] = [];
  const call = async (accessToken: string) => {
    seen.push(accessToken);
    const error = errors.shift();
    if (error) throw error;
    return `answered with ${accessToken}`;
  };
  return { seen, call };
}

const rejected = () => new ProviderError('unauthorized', 'access token rejected', 401);

describe('withAccessToken', () => {
  it('a call that succeeds uses the current token and never forces a refresh', async () => {
    const source = tokens();
    const provider = calls();
    await expect(withAccessToken(source.token, refused, provider.call)).resolves.toBe('answered with t0');
    expect(source.forced).toEqual([false]);
    expect(provider.seen).toEqual(['t0']);
  });

  it('a 401 once → one forced refresh and one retry with the new token', async () => {
    const source = tokens();
    const provider = calls(rejected());
    await expect(withAccessToken(source.token, refused, provider.call)).resolves.toBe('answered with t1');
    expect(source.forced).toEqual([false, true]);
    expect(provider.seen).toEqual(['t0', 't1']);
  });

  it('a 401 twice → the second refusal is the answer (no third call)', async () => {
    const source = tokens();
    const provider = calls(rejected(), rejected());
    await expect(withAccessToken(source.token, refused, provider.call)).rejects.toMatchObject({
      code: 'unauthorized',
    });
    expect(source.forced).toEqual([false, true]);
    expect(provider.seen).toEqual(['t0', 't1']);
  });

  it.each([
    ['a provider error other than unauthorized', new ProviderError('rate_limited', 'slow down', 429)],
    ['an error that is not a ProviderError', new TypeError('boom')],
  ])('%s → thrown as is, no refresh, no retry', async (_name, error) => {
    const source = tokens();
    const provider = calls(error);
    await expect(withAccessToken(source.token, refused, provider.call)).rejects.toBe(error);
    expect(source.forced).toEqual([false]);
    expect(provider.seen).toEqual(['t0']);
  });

  it('a token that cannot be had becomes the caller’s error and the call is not made', async () => {
    const provider = calls();
    const token = async (): Promise<AccessTokenResult> => ({
      ok: false,
      code: 'invalid_grant',
      message: 'revoked',
    });
    const error = withAccessToken(
      token,
      (failure) =>
        new ProviderError(failure.code === 'invalid_grant' ? 'invalid_grant' : 'unknown', 'no token'),
      provider.call,
    );
    await expect(error).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(provider.seen).toEqual([]);
  });

  it('a forced refresh that fails after a 401 is reported as the caller classifies it', async () => {
    const provider = calls(rejected());
    const token = async (force: boolean): Promise<AccessTokenResult> =>
      force
        ? { ok: false, code: 'invalid_grant', message: 'revoked' }
        : { ok: true, accessToken: 't0', expiresAt: '2026-12-06T12:00:00Z' };
    await expect(withAccessToken(token, refused, provider.call)).rejects.toMatchObject({
      code: 'invalid_grant',
    });
    expect(provider.seen).toEqual(['t0']);
  });
});
