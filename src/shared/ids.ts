// 20-character ids in xid's alphabet (e.g. "csk30fjq50k7l4akku9g"), as Coco uses.
import { randomBytes } from 'node:crypto';
import { Xid } from 'xid-ts';

/** An xid: time-ordered, unique, but guessable from a neighbour. For records whose id is not a secret. */
export function newId(): string {
  return new Xid().toString();
}

const XID_ALPHABET = '0123456789abcdefghijklmnopqrstuv';

/**
 * 100 random bits in the shape of an xid: for ids that are all a caller needs to reach a record (a
 * session, which a widget's visitors reach by id alone since they share one user).
 */
export function randomId(): string {
  let out = '';
  for (const byte of randomBytes(20)) out += XID_ALPHABET[byte & 31];
  return out;
}
