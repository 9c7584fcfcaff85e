/**
 * The connection object's meeting RPC vocabulary (issue 15): what the service sends in and what it
 * gets back. Plain data (it crosses the RPC boundary by structured clone).
 */
import type { ResponseStatus } from '../../worker/sync/types.ts';

export interface MeetingAttendeeState {
  email: string;
  responseStatus: ResponseStatus;
}

/** A validated create request (the service checked every field). */
export interface MeetingInput {
  title: string;
  startMs: number;
  /** Null: the organization's default duration. */
  durationMinutes: number | null;
  timeZone: string;
  attendees: string[];
  description: string | null;
  location: string | null;
  conference: boolean;
  idempotency: { key: string; requestHash: string } | null;
}

/** A validated change; absent fields stay as they are. */
export interface MeetingPatch {
  title?: string;
  startMs?: number;
  durationMinutes?: number;
  timeZone?: string;
  attendees?: string[];
  description?: string | null;
  location?: string | null;
}

export type MeetingSyncStatus = 'pending' | 'synced' | 'error';

export interface MeetingView {
  activityId: string;
  /** The organizer (the CE user who scheduled it). */
  ownerUserId: string;
  connectionId: string | null;
  providerEventId: string | null;
  title: string;
  startMs: number;
  endMs: number;
  timeZone: string | null;
  attendees: MeetingAttendeeState[];
  description: string | null;
  location: string | null;
  conference: boolean;
  conferenceUrl: string | null;
  /** The provider's page of the event; null until the provider answered a write. */
  providerLink: string | null;
  status: 'scheduled' | 'cancelled';
  syncStatus: MeetingSyncStatus;
  reminderAtMs: number | null;
  createdAtMs: number;
}

export type MeetingFailure =
  | 'idempotency_conflict'
  | 'not_found'
  | 'cancelled'
  | 'provider_rejected'
  | 'reconnect_required';

export type MeetingOutcome =
  | { ok: true; meeting: MeetingView; replayed: boolean }
  | { ok: false; reason: MeetingFailure; message: string };

/** What an RPC answers: `attached: false` asks the caller to attach the object and call again. */
export type MeetingRpcResult = { attached: false } | ({ attached: true } & MeetingOutcome);
