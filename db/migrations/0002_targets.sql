-- camelCase API fields: the columns behind firstName, middleName, lastName, displayName.
ALTER TABLE "directory_users" RENAME COLUMN "firstname" TO "first_name";--> statement-breakpoint
ALTER TABLE "directory_users" RENAME COLUMN "middlename" TO "middle_name";--> statement-breakpoint
ALTER TABLE "directory_users" RENAME COLUMN "lastname" TO "last_name";--> statement-breakpoint
ALTER TABLE "directory_users" RENAME COLUMN "displayname" TO "display_name";--> statement-breakpoint
-- Targets: a connector has a kind (slack or scim); what is not Slack's says remote.
ALTER TABLE "connectors" ADD COLUMN "kind" text DEFAULT 'slack' NOT NULL;--> statement-breakpoint
ALTER TABLE "connectors" ALTER COLUMN "team_name" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "connectors" ALTER COLUMN "team_domain" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "remote_config" jsonb;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "deprovision" text DEFAULT 'deactivate' NOT NULL;--> statement-breakpoint
ALTER TABLE "user_links" RENAME COLUMN "slack_id" TO "remote_id";--> statement-breakpoint
ALTER INDEX "user_links_slack_uq" RENAME TO "user_links_remote_uq";--> statement-breakpoint
ALTER TABLE "group_links" RENAME COLUMN "slack_group_id" TO "remote_group_id";--> statement-breakpoint
ALTER TABLE "group_links" ADD COLUMN "members_left_out" integer DEFAULT 0 NOT NULL;
