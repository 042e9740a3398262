CREATE TABLE `maintenance_runs` (
	`job` text PRIMARY KEY NOT NULL,
	`started_at` integer NOT NULL,
	`state` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `semantic_scopes` (
	`key` text PRIMARY KEY NOT NULL,
	`namespace` text NOT NULL,
	`context` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `semantic_scopes_namespace_idx` ON `semantic_scopes` (`namespace`);