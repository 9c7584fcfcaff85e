ALTER TABLE "ce_calendar_connections" ADD COLUMN "next_sync_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "ce_calendar_connections" ADD COLUMN "sync_lag_ms" integer;--> statement-breakpoint
ALTER TABLE "ce_calendar_events" ADD COLUMN "sync_round" text;