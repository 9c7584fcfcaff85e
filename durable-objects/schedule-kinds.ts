/** The kinds of future work in the connection object's schedule (schedule.ts); pure, so pure modules can name them. */
export const SCHEDULE_KINDS = ['poll', 'retry', 'renew_channel', 'reminder', 'meeting_outbox'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];
