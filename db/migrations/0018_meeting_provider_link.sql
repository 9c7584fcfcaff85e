-- Meetings (issue 20 §3): the provider's own page of the event, so a client can link to it.
ALTER TABLE "ce_activities" ADD COLUMN "provider_link" text;