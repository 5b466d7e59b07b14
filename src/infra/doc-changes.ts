// The change log of a datasource's documents, which retrieval indexes follow instead of rebuilding:
//   epoch  a random value; a new one means "rebuild" (the datasource itself changed, or Redis lost its
//          keys: whoever finds it missing sets a fresh one, so an index built before the loss is dropped)
//   seq    a counter, one step per document change
//   log    a sorted set: document id → the seq of its latest change (a document changed twice is there once)
//   floor  the highest seq trimmed from the log; an index older than it cannot catch up and rebuilds
// A change is written by one Lua script, so the seq order and the log never disagree.
import { randomBytes } from 'node:crypto';
import type { Redis } from './redis';

/** The log keeps the latest change of at most this many documents; older entries are trimmed. */
export const CHANGE_LOG_MAX = 200_000;

export function docChangeKeys(prefix: string, datasourceId: string) {
  const base = `${prefix}dschg:${datasourceId}:`;
  return { epoch: `${base}epoch`, seq: `${base}seq`, log: `${base}log`, floor: `${base}floor` };
}

const RECORD = `
local seq = redis.call('INCR', KEYS[1])
for i = 1, #ARGV - 1 do redis.call('ZADD', KEYS[2], seq, ARGV[i]) end
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[#ARGV])
if over > 0 then
  local gone = redis.call('ZRANGE', KEYS[2], over - 1, over - 1, 'WITHSCORES')
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
  redis.call('SET', KEYS[3], gone[2])
end
return seq`;

const freshEpoch = () => randomBytes(8).toString('hex');

export interface ChangeState {
  epoch: string;
  seq: number;
  floor: number;
}

export class DocChanges {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly maxLog = CHANGE_LOG_MAX,
  ) {}

  /** These documents of the datasource changed (created, replaced, deleted or moved away). */
  async record(datasourceId: string, docIds: string[]): Promise<void> {
    if (docIds.length === 0) return;
    const k = docChangeKeys(this.prefix, datasourceId);
    await this.redis.eval(RECORD, { keys: [k.seq, k.log, k.floor], arguments: [...docIds, String(this.maxLog)] });
  }

  /** The datasource changed as a whole (or lost its documents at once): every index of it rebuilds. */
  async newEpoch(datasourceId: string): Promise<void> {
    await this.redis.set(docChangeKeys(this.prefix, datasourceId).epoch, freshEpoch());
  }

  /** Where the log stands; a missing epoch (never set, or lost with Redis) is set here. One round trip: every search asks. */
  async state(datasourceId: string): Promise<ChangeState> {
    const k = docChangeKeys(this.prefix, datasourceId);
    const [, [epoch, seq, floor]] = (await this.redis.multi().set(k.epoch, freshEpoch(), { NX: true }).mGet([k.epoch, k.seq, k.floor]).exec()) as [unknown, Array<string | null>];
    return { epoch: epoch ?? '', seq: Number(seq ?? 0), floor: Number(floor ?? 0) };
  }

  /** Ids of the documents changed after `after` up to `upTo`, each once. */
  async changedBetween(datasourceId: string, after: number, upTo: number): Promise<string[]> {
    return this.redis.zRangeByScore(docChangeKeys(this.prefix, datasourceId).log, `(${after}`, upTo);
  }
}
