/**
 * An operator giving up on copies (POST /{version}/admin/deliveries/release): which copies a release may
 * take, and the shape of the status message that tells a sender its message will not be delivered.
 */
import type { ArchivedMessage } from './archive.js';
import type { StandardResponseItem } from './responses.js';

/**
 * Held copies and pending ones (waiting for a webhook or not). A copy on an endpoint a delivery runner holds
 * is never released: it may be in a call right now.
 */
export const RELEASABLE_STATES = ['held', 'pending'] as const;

/** What a release ends a copy as: a dead letter, which a redrive can still bring back. */
export const RELEASED_STATE = 'dead';

/** The status message telling `m`'s sender about its copy to `recipientId` in `role`. */
export type CopyNotice = (m: ArchivedMessage, recipientId: string, role: string) => StandardResponseItem;

/** The status message telling `m`'s sender that its copy to `recipientId` in `role` was given up. */
export type ReleaseNotice = CopyNotice;
