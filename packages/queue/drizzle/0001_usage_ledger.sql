CREATE TABLE `usage` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`created_at` integer NOT NULL,
	`settled_at` integer,
	`skill` text NOT NULL,
	`agent` text,
	`provider` text NOT NULL,
	`model` text NOT NULL,
	`input_tokens` integer DEFAULT 0 NOT NULL,
	`output_tokens` integer DEFAULT 0 NOT NULL,
	`cached_tokens` integer DEFAULT 0 NOT NULL,
	`cost_micro_usd` integer DEFAULT 0 NOT NULL,
	`cache_savings_micro_usd` integer DEFAULT 0 NOT NULL,
	`price_known` integer DEFAULT true NOT NULL,
	`latency_ms` integer,
	`ok` integer,
	`error` text,
	`status` text DEFAULT 'SETTLED' NOT NULL,
	`reserved_micro_usd` integer DEFAULT 0 NOT NULL,
	CONSTRAINT "usage_status_valid" CHECK("usage"."status" IN ('RESERVED', 'SETTLED', 'RELEASED')),
	CONSTRAINT "usage_amounts_valid" CHECK("usage"."cost_micro_usd" >= 0 AND "usage"."reserved_micro_usd" >= 0 AND "usage"."input_tokens" >= 0 AND "usage"."output_tokens" >= 0 AND "usage"."cached_tokens" >= 0)
);
--> statement-breakpoint
CREATE INDEX `usage_created_at_idx` ON `usage` (`created_at`);--> statement-breakpoint
CREATE INDEX `usage_skill_created_at_idx` ON `usage` (`skill`,`created_at`);