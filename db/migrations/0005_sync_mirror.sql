CREATE TABLE "ce_calendar_busy_occurrences" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"series_key" text NOT NULL,
	"all_day" boolean DEFAULT false NOT NULL,
	"start_at" timestamp with time zone,
	"end_at" timestamp with time zone,
	"start_date" date,
	"end_date" date,
	"busy_kind" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ce_calendar_busy_kind" CHECK ("ce_calendar_busy_occurrences"."busy_kind" in ('busy', 'tentative', 'out_of_office', 'focus_time')),
	CONSTRAINT "ce_calendar_busy_shape" CHECK (("ce_calendar_busy_occurrences"."all_day" and "ce_calendar_busy_occurrences"."start_date" is not null and "ce_calendar_busy_occurrences"."end_date" > "ce_calendar_busy_occurrences"."start_date" and "ce_calendar_busy_occurrences"."start_at" is null and "ce_calendar_busy_occurrences"."end_at" is null)
        or (not "ce_calendar_busy_occurrences"."all_day" and "ce_calendar_busy_occurrences"."start_at" is not null and "ce_calendar_busy_occurrences"."end_at" > "ce_calendar_busy_occurrences"."start_at" and "ce_calendar_busy_occurrences"."start_date" is null and "ce_calendar_busy_occurrences"."end_date" is null))
);
--> statement-breakpoint
ALTER TABLE "ce_calendar_events" ADD COLUMN "series_role" text DEFAULT 'single' NOT NULL;--> statement-breakpoint
ALTER TABLE "ce_calendar_events" ADD COLUMN "series_key" text;--> statement-breakpoint
ALTER TABLE "ce_calendar_events" ADD COLUMN "event_kind" text DEFAULT 'default' NOT NULL;--> statement-breakpoint
ALTER TABLE "ce_calendar_events" ADD COLUMN "response_status" text;--> statement-breakpoint
ALTER TABLE "ce_calendar_events" ADD COLUMN "is_organizer" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "ce_calendar_events" ADD COLUMN "app_tag" text;--> statement-breakpoint
ALTER TABLE "ce_calendar_busy_occurrences" ADD CONSTRAINT "ce_calendar_busy_occurrences_connection_id_ce_calendar_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."ce_calendar_connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ce_calendar_busy_occurrences" ADD CONSTRAINT "ce_calendar_busy_occurrences_event_id_ce_calendar_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."ce_calendar_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ce_calendar_busy_timed_idx" ON "ce_calendar_busy_occurrences" USING btree ("organization_id","user_id","start_at","end_at") WHERE "ce_calendar_busy_occurrences"."start_at" is not null;--> statement-breakpoint
CREATE INDEX "ce_calendar_busy_all_day_idx" ON "ce_calendar_busy_occurrences" USING btree ("organization_id","user_id","start_date","end_date") WHERE "ce_calendar_busy_occurrences"."start_date" is not null;--> statement-breakpoint
CREATE INDEX "ce_calendar_busy_series_idx" ON "ce_calendar_busy_occurrences" USING btree ("connection_id","series_key");--> statement-breakpoint
CREATE INDEX "ce_calendar_busy_event_idx" ON "ce_calendar_busy_occurrences" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "ce_calendar_events_series_idx" ON "ce_calendar_events" USING btree ("connection_id","series_key");--> statement-breakpoint
CREATE INDEX "ce_calendar_events_app_tag_idx" ON "ce_calendar_events" USING btree ("connection_id","app_tag") WHERE "ce_calendar_events"."app_tag" is not null;--> statement-breakpoint
ALTER TABLE "ce_calendar_events" ADD CONSTRAINT "ce_calendar_events_series_role" CHECK ("ce_calendar_events"."series_role" in ('single', 'master', 'exception', 'occurrence'));--> statement-breakpoint
ALTER TABLE "ce_calendar_events" ADD CONSTRAINT "ce_calendar_events_event_kind" CHECK ("ce_calendar_events"."event_kind" in ('default', 'outOfOffice', 'focusTime', 'workingLocation'));--> statement-breakpoint
ALTER TABLE "ce_calendar_events" ADD CONSTRAINT "ce_calendar_events_response_status" CHECK ("ce_calendar_events"."response_status" in ('needsAction', 'accepted', 'tentative', 'declined'));