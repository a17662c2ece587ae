CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`resource` text,
	`decision` text NOT NULL,
	`reason` text,
	`detail_json` text,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL,
	CONSTRAINT "audit_log_decision_valid" CHECK("audit_log"."decision" IN ('allow', 'deny', 'log'))
);
--> statement-breakpoint
CREATE INDEX `audit_log_action_idx` ON `audit_log` (`action`,`id`);--> statement-breakpoint
CREATE TABLE `hitl_requests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`task_id` integer NOT NULL,
	`agent` text NOT NULL,
	`question` text NOT NULL,
	`context_json` text,
	`status` text DEFAULT 'open' NOT NULL,
	`response` text,
	`responder` text,
	`follow_up_task_id` integer,
	`pinned` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`answered_at` integer,
	FOREIGN KEY (`task_id`) REFERENCES `tasks`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "hitl_requests_status_valid" CHECK("hitl_requests"."status" = 'open' OR "hitl_requests"."status" = 'approved' OR "hitl_requests"."status" = 'rejected' OR "hitl_requests"."status" = 'more_info' OR "hitl_requests"."status" = 'feedback' OR "hitl_requests"."status" = 'discuss')
);
--> statement-breakpoint
CREATE INDEX `hitl_requests_open_idx` ON `hitl_requests` (`created_at`) WHERE status = 'open';--> statement-breakpoint
CREATE INDEX `hitl_requests_task_idx` ON `hitl_requests` (`task_id`);--> statement-breakpoint
CREATE TABLE `schedule_fires` (
	`schedule_id` integer NOT NULL,
	`due_at` integer NOT NULL,
	`task_id` integer,
	`fired_by` text NOT NULL,
	`fired_at` integer NOT NULL,
	PRIMARY KEY(`schedule_id`, `due_at`),
	FOREIGN KEY (`schedule_id`) REFERENCES `schedules`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `schedules` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`cron` text NOT NULL,
	`timezone` text,
	`skill` text NOT NULL,
	`payload_json` text DEFAULT '{}' NOT NULL,
	`priority` integer DEFAULT 5 NOT NULL,
	`catch_up` text DEFAULT 'skip' NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`source` text NOT NULL,
	`last_due_at` integer,
	`created_at` integer NOT NULL,
	CONSTRAINT "schedules_catch_up_valid" CHECK("schedules"."catch_up" IN ('skip', 'once')),
	CONSTRAINT "schedules_source_valid" CHECK("schedules"."source" IN ('config', 'cli'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `schedules_name_unique` ON `schedules` (`name`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`meta_json` text DEFAULT '{}' NOT NULL,
	`started_at` integer NOT NULL,
	`ended_at` integer,
	CONSTRAINT "sessions_status_valid" CHECK("sessions"."status" IN ('active', 'ended'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sessions_name_unique` ON `sessions` (`name`);--> statement-breakpoint
CREATE TABLE `snapshots` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`session_id` integer NOT NULL,
	`label` text,
	`data_json` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `sessions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `snapshots_session_idx` ON `snapshots` (`session_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `workflow_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`status` text DEFAULT 'RUNNING' NOT NULL,
	`vars_json` text DEFAULT '{}' NOT NULL,
	`definition_json` text NOT NULL,
	`created_at` integer NOT NULL,
	`finished_at` integer,
	CONSTRAINT "workflow_runs_status_valid" CHECK("workflow_runs"."status" IN ('RUNNING', 'DONE', 'FAILED', 'CANCELLED'))
);
--> statement-breakpoint
CREATE INDEX `workflow_runs_running_idx` ON `workflow_runs` (`id`) WHERE status = 'RUNNING';--> statement-breakpoint
CREATE TABLE `workflow_steps` (
	`run_id` integer NOT NULL,
	`name` text NOT NULL,
	`task_id` integer NOT NULL,
	`condition_json` text,
	PRIMARY KEY(`run_id`, `name`),
	FOREIGN KEY (`run_id`) REFERENCES `workflow_runs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`task_id`) REFERENCES `tasks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `workflow_steps_task_idx` ON `workflow_steps` (`task_id`);