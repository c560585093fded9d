CREATE TABLE "group_links" (
	"connector_id" text NOT NULL,
	"group_id" text NOT NULL,
	"slack_group_id" text,
	"state" text DEFAULT 'pending' NOT NULL,
	"member_count" integer DEFAULT 0 NOT NULL,
	"last_error_code" text,
	"last_error" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "group_links_connector_id_group_id_pk" PRIMARY KEY("connector_id","group_id")
);
--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "sso_active" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "group_links" ADD CONSTRAINT "group_links_connector_id_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_links" ADD CONSTRAINT "group_links_group_id_user_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."user_groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "user_groups_live_name_uq" ON "user_groups" USING btree (lower("name")) WHERE "user_groups"."deleted_at" is null;