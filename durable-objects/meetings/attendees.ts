/**
 * Attendee answers from a provider's event (the mirror keeps the raw list): Google
 * `{email, responseStatus}`, Graph `{emailAddress: {address}, status: {response}}`. Pure.
 */
import type { ResponseStatus } from '../../worker/sync/types.ts';
import type { MeetingAttendeeState } from './types.ts';

const GRAPH_RESPONSES: Record<string, ResponseStatus> = {
  accepted: 'accepted',
  declined: 'declined',
  tentativelyAccepted: 'tentative',
  none: 'needsAction',
  notResponded: 'needsAction',
  organizer: 'accepted',
};

const GOOGLE_RESPONSES = new Set<ResponseStatus>(['needsAction', 'accepted', 'tentative', 'declined']);

function answerOf(raw: Record<string, unknown>): { email: string; status: ResponseStatus } | undefined {
  if (typeof raw.email === 'string') {
    const status = raw.responseStatus as ResponseStatus;
    return { email: raw.email, status: GOOGLE_RESPONSES.has(status) ? status : 'needsAction' };
  }
  const address = (raw.emailAddress as { address?: unknown } | undefined)?.address;
  if (typeof address === 'string') {
    const response = (raw.status as { response?: unknown } | undefined)?.response;
    return { email: address, status: GRAPH_RESPONSES[String(response)] ?? 'needsAction' };
  }
  return undefined;
}

/**
 * The meeting's attendees with the answers the provider reports; addresses CE invited keep their
 * order, and the organizer's own entry (not an invitee) is left out.
 */
export function attendeeAnswers(
  invited: readonly MeetingAttendeeState[],
  providerAttendees: readonly unknown[],
): MeetingAttendeeState[] {
  const answers = new Map<string, ResponseStatus>();
  for (const raw of providerAttendees) {
    if (!raw || typeof raw !== 'object') continue;
    const answer = answerOf(raw as Record<string, unknown>);
    if (answer) answers.set(answer.email.toLowerCase(), answer.status);
  }
  return invited.map((a) => ({
    email: a.email,
    responseStatus: answers.get(a.email.toLowerCase()) ?? a.responseStatus,
  }));
}

export const sameAnswers = (a: readonly MeetingAttendeeState[], b: readonly MeetingAttendeeState[]) =>
  a.length === b.length &&
  a.every((x, i) => x.email === b[i]?.email && x.responseStatus === b[i]?.responseStatus);
