/** Module settings (CE Settings): typed reads and writes inside a tenant transaction. */
import { sql } from 'drizzle-orm';
import { ceModuleSettings } from '../schema.ts';
import type { TenantTx } from '../tenant.ts';

export interface ModuleSettings {
  calendar_default_meeting_duration_minutes: number;
  calendar_sync_poll_interval_minutes: number;
  calendar_pre_meeting_notification_minutes: number;
}

/** The source document's defaults, used while an organization has no settings row. */
export const DEFAULT_MODULE_SETTINGS: ModuleSettings = {
  calendar_default_meeting_duration_minutes: 30,
  calendar_sync_poll_interval_minutes: 15,
  calendar_pre_meeting_notification_minutes: 15,
};

const columns = {
  calendar_default_meeting_duration_minutes: ceModuleSettings.calendarDefaultMeetingDurationMinutes,
  calendar_sync_poll_interval_minutes: ceModuleSettings.calendarSyncPollIntervalMinutes,
  calendar_pre_meeting_notification_minutes: ceModuleSettings.calendarPreMeetingNotificationMinutes,
};

/** RLS limits the table to the caller's organization, so no WHERE is needed (or trusted). */
export async function readModuleSettings(tx: TenantTx): Promise<ModuleSettings> {
  const [row] = await tx.select(columns).from(ceModuleSettings).limit(1);
  return row ?? DEFAULT_MODULE_SETTINGS;
}

export async function writeModuleSettings(
  tx: TenantTx,
  organizationId: string,
  userId: string,
  settings: ModuleSettings,
): Promise<ModuleSettings> {
  const values = {
    calendarDefaultMeetingDurationMinutes: settings.calendar_default_meeting_duration_minutes,
    calendarSyncPollIntervalMinutes: settings.calendar_sync_poll_interval_minutes,
    calendarPreMeetingNotificationMinutes: settings.calendar_pre_meeting_notification_minutes,
    updatedBy: userId,
    updatedAt: sql`now()`,
  };
  const [row] = await tx
    .insert(ceModuleSettings)
    .values({ organizationId, ...values })
    .onConflictDoUpdate({ target: ceModuleSettings.organizationId, set: values })
    .returning(columns);
  if (!row) throw new Error('settings upsert returned no row');
  return row;
}
