// 20-character xid ids (e.g. "csk30fjq50k7l4akku9g"), as Coco uses.
import { Xid } from 'xid-ts';

export function newId(): string {
  return new Xid().toString();
}
