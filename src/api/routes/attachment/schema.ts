import { z } from 'zod';

/** Attachment ids in a request: bounded in number and length. */
export const IdList = z.array(z.string().min(1).max(64)).max(100);
