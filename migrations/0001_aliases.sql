CREATE TABLE `aliases` (
	`key` text PRIMARY KEY NOT NULL,
	`canonical_key` text NOT NULL,
	`namespace` text NOT NULL,
	`prompt` text DEFAULT '' NOT NULL,
	`similarity` real NOT NULL,
	`reason` text DEFAULT '' NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `aliases_canonical_idx` ON `aliases` (`canonical_key`);--> statement-breakpoint
CREATE INDEX `aliases_namespace_idx` ON `aliases` (`namespace`);