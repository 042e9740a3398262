/** @module The shape of a remembered chat body (src/routes/request-memo.ts), apart so the context type can name it. */
import type { ChatParams } from "../upstream/types";

/** What a request body resolves to, filled in by the first request that resolves it. */
export interface PreparedChat {
  params: ChatParams;
  key: string;
}

/** One remembered body. Shared by every request that sends the same bytes: what it holds is frozen. */
export interface MemoSlot {
  readonly body: unknown;
  prepared?: Readonly<PreparedChat>;
}
