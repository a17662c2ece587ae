CREATE TABLE "hitl_requests" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"task_id" bigint NOT NULL,
	"agent" text NOT NULL,
	"question" text NOT NULL,
	"context_json" text,
	"status" text DEFAULT 'open' NOT NULL,
	"response" text,
	"responder" text,
	"follow_up_task_id" bigint,
	"pinned" integer DEFAULT 0 NOT NULL,
	"created_at" bigint NOT NULL,
	"answered_at" bigint,
	CONSTRAINT "hitl_requests_status_valid" CHECK (status IN ('open', 'approved', 'rejected', 'more_info', 'feedback', 'discuss'))
);
--> statement-breakpoint
ALTER TABLE "hitl_requests" ADD CONSTRAINT "hitl_requests_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "hitl_requests_open_idx" ON "hitl_requests" USING btree ("created_at") WHERE "hitl_requests"."status" = 'open';--> statement-breakpoint
CREATE INDEX "hitl_requests_task_idx" ON "hitl_requests" USING btree ("task_id");