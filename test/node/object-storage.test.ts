/**
 * The connection object's typed, versioned storage (durable-objects/storage.ts): reads parse, an
 * unreadable value reads as absent, and an older layout is migrated once; an object nobody attached
 * stays empty.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  INITIAL_STATE,
  type KeyValueStorage,
  ObjectStorage,
  STORAGE_VERSION,
} from '../../durable-objects/storage.ts';

function memory(initial: Record<string, unknown> = {}): KeyValueStorage & { map: Map<string, unknown> } {
  const map = new Map(Object.entries(initial));
  return {
    map,
    get: async (key) => map.get(key),
    put: async (key, value) => {
      map.set(key, structuredClone(value));
    },
    delete: async (key) => map.delete(key),
    deleteAll: async () => map.clear(),
  };
}

const identity = { connectionId: 'c-1', organizationId: 'o-1', userId: 'u-1', provider: 'google' };

describe('ObjectStorage', () => {
  it('reads what it wrote, parsed; an unreadable value reads as absent and is logged by key only', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const kv = memory({ fullRoundOwedAt: 'yesterday', pendingRefreshToken: { ciphertext: 'secret-ish' } });
    const store = new ObjectStorage(kv);
    await store.write('cursorBaseline', { startedAtMs: 1, windowEndMs: 2 });
    expect(await store.read('cursorBaseline')).toEqual({ startedAtMs: 1, windowEndMs: 2 });
    expect(await store.read('fullRoundOwedAt')).toBeUndefined();
    expect(await store.read('pendingRefreshToken')).toBeUndefined();
    const lines = vi.mocked(console.warn).mock.calls.map(([line]) => String(line));
    expect(lines.join('\n')).not.toContain('secret-ish');
    expect(lines.some((line) => line.includes('"key":"pendingRefreshToken"'))).toBe(true);
    vi.restoreAllMocks();
  });

  it('migrates layout 1 once: the state completed, unreadable values dropped, the version stamped', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const layout1 = {
      identity,
      state: {
        syncEnabled: false,
        stage: 'idle',
        consecutiveFailures: 2,
        lastRunAt: null,
        lastErrorCode: null,
      },
      counters: { alarmRuns: 'many' },
      busyHorizonStart: 1_700_000_000_000,
    };
    const kv = memory(layout1);
    await new ObjectStorage(kv).migrate();
    expect(kv.map.get('storageVersion')).toBe(STORAGE_VERSION);
    expect(kv.map.get('state')).toEqual({ ...INITIAL_STATE, ...layout1.state, cursorResets: 0 });
    expect(kv.map.has('counters')).toBe(false);
    expect(kv.map.get('busyHorizonStart')).toBe(layout1.busyHorizonStart);
    expect(kv.map.get('identity')).toEqual(identity);
    // Once: a second start finds the current version and writes nothing.
    const before = structuredClone(Object.fromEntries(kv.map));
    const put = vi.spyOn(kv, 'put');
    await new ObjectStorage(kv).migrate();
    expect(put).not.toHaveBeenCalled();
    expect(Object.fromEntries(kv.map)).toEqual(before);
    vi.restoreAllMocks();
  });

  it('an object no connection was attached to stays empty (a forged webhook names any id)', async () => {
    const kv = memory();
    await new ObjectStorage(kv).migrate();
    expect(kv.map.size).toBe(0);
  });
});
