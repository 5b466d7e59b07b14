// The payload codec of the API's Temporal client and of the worker: every payload Temporal stores (a
// workflow's input, an update's message, an activity's arguments and result, a query's answer) is
// encrypted with AES-256-GCM before it leaves the process, so workflow histories hold no chat text in
// clear. Each payload gets a random 12-byte IV and names its key (metadata `encryption-key-id`), so keys
// rotate: the current key encrypts, any configured key decrypts. Payloads without this encoding (histories
// written before the codec) decode as they are, so sessions that were running keep running.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Payload, PayloadCodec } from '@temporalio/common';

/** The encoding of an encrypted payload (Temporal's samples and tools use the same name). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface PayloadKey {
  id: string;
  key: Buffer;
}

/** Where the keys come from (Config['payloads']): `[<id>:]<base64>` each; without `key`, the key file's. */
export interface PayloadKeySettings {
  key?: string;
  oldKeys: readonly string[];
  keyFile: string;
}

/** The payload keys are missing or malformed: the process cannot start. */
export class PayloadKeyError extends Error {}

/** A payload that cannot be decrypted: an unknown or missing key id, or data that does not authenticate. */
export class PayloadDecodeError extends Error {}

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);

/** A key's id when the spec names none: a fingerprint (8 hex digits of its SHA-256), stable across restarts. */
export function keyFingerprint(key: Buffer): string {
  return `k${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}

/** Parses `[<id>:]<base64 of 32 bytes>`. */
export function parsePayloadKey(spec: string, what = 'payload key'): PayloadKey {
  const m = /^(?:([A-Za-z0-9_.-]{1,64}):)?([A-Za-z0-9+/_-]+={0,2})$/.exec(spec.trim());
  const key = m ? Buffer.from(m[2] as string, 'base64') : undefined;
  if (!m || key?.length !== 32) throw new PayloadKeyError(`${what} must be [<id>:]<base64 of 32 random bytes>`);
  return { id: m[1] ?? keyFingerprint(key), key };
}

/** A new key spec, `<id>:<base64>`, with a fresh random key. */
export function generatePayloadKey(): string {
  const key = randomBytes(32);
  return `${keyFingerprint(key)}:${key.toString('base64')}`;
}

/**
 * Creates the key file with a new key if there is none (mode 0600; written aside, then linked into place,
 * so a reader never sees it half written and two processes starting at once end up with one key).
 */
export function ensurePayloadKeyFile(file: string): { created: boolean } {
  if (fs.existsSync(file)) return { created: false };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, `${generatePayloadKey()}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(tmp, file);
    return { created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { created: false };
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** The current key (COCO_PAYLOAD_KEY, else the key file's) and the old keys that still decrypt. */
export function loadPayloadKeys(settings: PayloadKeySettings): { current: PayloadKey; old: PayloadKey[] } {
  let spec = settings.key;
  let source = 'COCO_PAYLOAD_KEY';
  if (!spec) {
    source = settings.keyFile;
    try {
      spec = fs.readFileSync(settings.keyFile, 'utf8').trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new PayloadKeyError(`cannot read the payload key file ${settings.keyFile}: ${(err as Error).message}`);
      throw new PayloadKeyError(
        `no payload key: set COCO_PAYLOAD_KEY to [<id>:]<base64 of 32 random bytes> (e.g. \`openssl rand -base64 32\`), ` +
          `or start once with \`npm start\`, which creates ${settings.keyFile}`,
      );
    }
  }
  const current = parsePayloadKey(spec, source === 'COCO_PAYLOAD_KEY' ? source : `the key in ${source}`);
  const old = settings.oldKeys.map((k, i) => parsePayloadKey(k, `COCO_PAYLOAD_OLD_KEYS (key ${i + 1})`));
  return { current, old };
}

/** AES-256-GCM over the whole serialized payload (its metadata too); the key id is authenticated with it. */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keys = new Map<string, Buffer>();

  constructor(
    private readonly current: PayloadKey,
    old: readonly PayloadKey[] = [],
  ) {
    for (const k of [...old].reverse()) this.keys.set(k.id, k.key);
    if (this.keys.has(current.id) && !this.keys.get(current.id)!.equals(current.key)) {
      throw new PayloadKeyError(`payload key id "${current.id}" names two different keys (COCO_PAYLOAD_KEY and COCO_PAYLOAD_OLD_KEYS)`);
    }
    this.keys.set(current.id, current.key);
  }

  get keyId(): string {
    return this.current.id;
  }

  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.encrypt(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.decrypt(p));
  }

  /** Whether the payload is one this codec (or one with another key) encrypted. */
  static isEncrypted(payload: Payload): boolean {
    return text(payload.metadata?.encoding) === ENCRYPTED_ENCODING;
  }

  encrypt(payload: Payload): Payload {
    const { id, key } = this.current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(utf8(id));
    const plain = serialize(payload);
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return { metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(id) }, data };
  }

  decrypt(payload: Payload): Payload {
    if (!AesGcmPayloadCodec.isEncrypted(payload)) return payload;
    const id = text(payload.metadata?.[KEY_ID_METADATA]);
    if (!id) throw new PayloadDecodeError(`an encrypted payload names no key (metadata "${KEY_ID_METADATA}" is missing)`);
    const key = this.keys.get(id);
    if (!key) {
      throw new PayloadDecodeError(
        `a payload is encrypted with key "${id}", which is not configured (configured: ${this.keyIds.join(', ')}); add it to COCO_PAYLOAD_OLD_KEYS`,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecodeError(`a payload encrypted with key "${id}" is too short to be one (${data.length} bytes)`);
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(utf8(id));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecodeError(`a payload encrypted with key "${id}" does not decrypt: it was altered, or key "${id}" is not the key it was encrypted with`);
    }
    return deserialize(plain, id);
  }
}

/** The payload as bytes: the number of metadata entries, each (name length, name, value length, value), then its data. */
function serialize(payload: Payload): Buffer {
  const parts: Buffer[] = [];
  const entries = Object.entries(payload.metadata ?? {});
  const head = Buffer.alloc(4);
  head.writeUInt32BE(entries.length);
  parts.push(head);
  for (const [name, value] of entries) {
    const n = Buffer.from(name, 'utf8');
    const v = Buffer.from(value ?? new Uint8Array());
    const lens = Buffer.alloc(8);
    lens.writeUInt32BE(n.length, 0);
    lens.writeUInt32BE(v.length, 4);
    parts.push(lens, n, v);
  }
  parts.push(Buffer.from(payload.data ?? new Uint8Array()));
  return Buffer.concat(parts);
}

function deserialize(bytes: Buffer, keyId: string): Payload {
  const malformed = () => new PayloadDecodeError(`a payload encrypted with key "${keyId}" decrypts to something that is not a payload`);
  if (bytes.length < 4) throw malformed();
  const count = bytes.readUInt32BE(0);
  let at = 4;
  const metadata: Record<string, Uint8Array> = {};
  for (let i = 0; i < count; i++) {
    if (at + 8 > bytes.length) throw malformed();
    const nameLength = bytes.readUInt32BE(at);
    const valueLength = bytes.readUInt32BE(at + 4);
    at += 8;
    if (at + nameLength + valueLength > bytes.length) throw malformed();
    const name = bytes.subarray(at, at + nameLength).toString('utf8');
    metadata[name] = new Uint8Array(bytes.subarray(at + nameLength, at + nameLength + valueLength));
    at += nameLength + valueLength;
  }
  return { metadata, data: new Uint8Array(bytes.subarray(at)) };
}

/** The codec for the configured keys (throws PayloadKeyError when there are none or one is malformed). */
export function createPayloadCodec(settings: PayloadKeySettings): AesGcmPayloadCodec {
  const { current, old } = loadPayloadKeys(settings);
  return new AesGcmPayloadCodec(current, old);
}
