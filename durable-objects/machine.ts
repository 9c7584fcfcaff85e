/**
 * What the connection object knows about itself, in memory and in storage: its identity (stored once
 * by `attach`) and its machine state. The RPC methods, the sync driver and the schedule handlers all
 * read and write it here, so the in-memory copy and the stored one never drift apart.
 */
import type { ConnectionIdentity } from './identity.ts';
import { INITIAL_STATE, type MachineState, type ObjectStorage } from './storage.ts';

export class ConnectionMachine {
  #identity: ConnectionIdentity | undefined;
  #state: MachineState = INITIAL_STATE;

  constructor(private readonly store: ObjectStorage) {}

  /** At object start (inside blockConcurrencyWhile, after the storage migration). */
  async load(): Promise<void> {
    this.#identity = await this.store.read('identity');
    this.#state = (await this.store.read('state')) ?? INITIAL_STATE;
  }

  get identity(): ConnectionIdentity | undefined {
    return this.#identity;
  }

  get state(): MachineState {
    return this.#state;
  }

  /** Still attached to this connection (a disconnect meanwhile detached the object). */
  isAttachedTo(connectionId: string): boolean {
    return this.#identity?.connectionId === connectionId;
  }

  /** Channels and polls run only while the connection syncs (not paused, not waiting for a reconnect). */
  get syncing(): boolean {
    return this.#state.syncEnabled && this.#state.stage !== 'reconnect_required';
  }

  async attach(identity: ConnectionIdentity): Promise<void> {
    this.#identity = { ...identity };
    await this.store.stampVersion();
    await this.store.write('identity', this.#identity);
  }

  /** Disconnect: forgotten in memory at once (a run in flight then finds itself unwanted). */
  detach(): void {
    this.#identity = undefined;
  }

  /** After storage was cleared. */
  reset(): void {
    this.#state = INITIAL_STATE;
  }

  async save(state: MachineState): Promise<void> {
    this.#state = state;
    await this.store.write('state', state);
  }
}
