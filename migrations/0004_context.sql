CREATE TABLE `chunks` (
	`namespace` text NOT NULL,
	`id` text NOT NULL,
	`chars` integer NOT NULL,
	`tokens` integer NOT NULL,
	`size` integer NOT NULL,
	`stored_size` integer NOT NULL,
	`codec` text NOT NULL,
	`embedder` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`namespace`, `id`)
);
--> statement-breakpoint
CREATE TABLE `context_chunks` (
	`namespace` text NOT NULL,
	`context_id` text NOT NULL,
	`generation` integer NOT NULL,
	`position` integer NOT NULL,
	`chunk_id` text NOT NULL,
	PRIMARY KEY(`namespace`, `context_id`, `generation`, `position`)
);
--> statement-breakpoint
CREATE INDEX `context_chunks_chunk_idx` ON `context_chunks` (`namespace`,`chunk_id`);--> statement-breakpoint
CREATE TABLE `contexts` (
	`namespace` text NOT NULL,
	`id` text NOT NULL,
	`generation` integer NOT NULL,
	`bytes` integer NOT NULL,
	`chars` integer NOT NULL,
	`tokens` integer NOT NULL,
	`chunks` integer NOT NULL,
	`checksum` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`namespace`, `id`)
);
