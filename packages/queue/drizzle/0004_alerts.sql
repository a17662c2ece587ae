CREATE TABLE `alerts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`type` text NOT NULL,
	`severity` text NOT NULL,
	`message` text NOT NULL,
	`source` text NOT NULL,
	`created_at` integer NOT NULL,
	`acknowledged_at` integer,
	CONSTRAINT "alerts_severity_valid" CHECK("alerts"."severity" IN ('info', 'warning', 'critical'))
);
--> statement-breakpoint
CREATE INDEX `alerts_active_idx` ON `alerts` (`created_at`) WHERE "alerts"."acknowledged_at" IS NULL;