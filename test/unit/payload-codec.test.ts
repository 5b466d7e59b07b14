// The AES-256-GCM payload codec (src/infra/payload-codec.ts): round trip, a random IV per payload, the key
// id in the metadata, rotation, clear errors for altered payloads and unknown keys, clear payloads passed
// through; its keys (COCO_PAYLOAD_KEY, the generated key file) and what it costs per payload.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Payload } from '@temporalio/common';
import { ConfigError, loadConfig } from '../../src/config';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  ensurePayloadKeyFile,
  generatePayloadKey,
  KEY_ID_METADATA,
  keyFingerprint,
  loadPayloadKeys,
  parsePayloadKey,
  PayloadDecodeError,
  PayloadKeyError,
} from '../../src/infra/payload-codec';

const bytes = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');
const jsonPayload = (value: unknown): Payload => ({ metadata: { encoding: bytes('json/plain') }, data: bytes(JSON.stringify(value)) });
const key = (id: string) => ({ id, key: randomBytes(32) });

describe('the payload codec', () => {
  const current = key('2025-b');
  const old = key('2025-a');
  const codec = new AesGcmPayloadCodec(current, [old]);

  it('round-trips payloads: metadata and data come back as they were, and nothing of them shows encrypted', async () => {
    const text = 'my secret question about the merger';
    const payloads = [jsonPayload({ text }), { metadata: { encoding: bytes('binary/null') } }, { metadata: {}, data: randomBytes(5000) }];
    const encoded = await codec.encode(payloads);
    for (const e of encoded) {
      expect(str(e.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
      expect(str(e.metadata![KEY_ID_METADATA])).toBe('2025-b');
      expect(Object.keys(e.metadata!).sort()).toEqual(['encoding', KEY_ID_METADATA].sort());
    }
    expect(Buffer.from(encoded[0]!.data!).includes(Buffer.from('secret'))).toBe(false);
    const decoded = await codec.decode(encoded);
    expect(str(decoded[0]!.data)).toBe(JSON.stringify({ text }));
    expect(str(decoded[0]!.metadata!.encoding)).toBe('json/plain');
    expect(str(decoded[1]!.metadata!.encoding)).toBe('binary/null');
    expect(decoded[1]!.data).toHaveLength(0);
    expect(Buffer.from(decoded[2]!.data!).equals(Buffer.from(payloads[2]!.data!))).toBe(true);
  });

  it('uses a new IV for every payload: the same payload never encrypts the same way twice', async () => {
    const [a, b] = await codec.encode([jsonPayload('same'), jsonPayload('same')]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
    expect(Buffer.from(a!.data!).subarray(0, 12).equals(Buffer.from(b!.data!).subarray(0, 12))).toBe(false);
  });

  it('passes payloads that are not encrypted (histories from before the codec) through as they are', async () => {
    const clear = jsonPayload({ text: 'written before' });
    expect(await codec.decode([clear])).toEqual([clear]);
  });

  it('refuses an altered payload with a clear error (any bit of its data, or its key id)', async () => {
    const [encoded] = await codec.encode([jsonPayload({ text: 'x'.repeat(100) })]);
    for (const at of [0, 20, encoded!.data!.length - 1]) {
      const data = Buffer.from(encoded!.data!);
      data[at]! ^= 1;
      expect(() => codec.decrypt({ ...encoded, data })).toThrow(PayloadDecodeError);
      expect(() => codec.decrypt({ ...encoded, data })).toThrow(/key "2025-b" does not decrypt: it was altered/);
    }
    // The key id is authenticated too: naming the other configured key fails, it does not decrypt garbage.
    const renamed = { ...encoded, metadata: { ...encoded!.metadata, [KEY_ID_METADATA]: bytes('2025-a') } };
    expect(() => codec.decrypt(renamed)).toThrow(/key "2025-a" does not decrypt/);
    expect(() => codec.decrypt({ ...encoded, data: encoded!.data!.subarray(0, 10) })).toThrow(/too short/);
  });

  it('names an unknown key id, and a missing one, in its error', async () => {
    const [foreign] = await new AesGcmPayloadCodec(key('somebody-elses')).encode([jsonPayload(1)]);
    expect(() => codec.decrypt(foreign!)).toThrow(PayloadDecodeError);
    expect(() => codec.decrypt(foreign!)).toThrow('a payload is encrypted with key "somebody-elses", which is not configured (configured: 2025-a, 2025-b); add it to COCO_PAYLOAD_OLD_KEYS');
    const { [KEY_ID_METADATA]: _dropped, ...noId } = foreign!.metadata!;
    expect(() => codec.decrypt({ ...foreign, metadata: noId })).toThrow(/names no key \(metadata "encryption-key-id" is missing\)/);
  });

  it('rotates: what an old key encrypted decodes once the key changed, as long as the old key is listed', async () => {
    const before = new AesGcmPayloadCodec(old);
    const [encodedBefore] = await before.encode([jsonPayload({ text: 'from last year' })]);
    expect(str((await codec.decode([encodedBefore!]))[0]!.data)).toBe(JSON.stringify({ text: 'from last year' }));
    // New payloads are encrypted with the current key only.
    const [encodedNow] = await codec.encode([jsonPayload(2)]);
    expect(str(encodedNow!.metadata![KEY_ID_METADATA])).toBe('2025-b');
    expect(() => before.decrypt(encodedNow!)).toThrow(/key "2025-b", which is not configured/);
    // Without the old key listed, its payloads are a clear error.
    expect(() => new AesGcmPayloadCodec(current).decrypt(encodedBefore!)).toThrow(/key "2025-a", which is not configured/);
  });

  it('refuses one id naming two different keys', () => {
    expect(() => new AesGcmPayloadCodec(key('same'), [key('same')])).toThrow(PayloadKeyError);
  });

  it('costs tens of microseconds per payload (encode + decode)', async () => {
    const figures: string[] = [];
    for (const size of [200, 4096, 65_536]) {
      const payload = { metadata: { encoding: bytes('json/plain') }, data: randomBytes(size) };
      const n = size > 10_000 ? 500 : 3000;
      for (let i = 0; i < 200; i++) codec.decrypt(codec.encrypt(payload)); // warm up
      const started = process.hrtime.bigint();
      for (let i = 0; i < n; i++) codec.decrypt(codec.encrypt(payload));
      const us = Number(process.hrtime.bigint() - started) / 1000 / n;
      figures.push(`${size} B: ${us.toFixed(1)} µs`);
      expect(us).toBeLessThan(size > 10_000 ? 5000 : 1000);
      // The ciphertext adds 28 bytes (IV and tag) and the metadata's 12 bytes of framing plus its names.
      const encrypted = codec.encrypt(payload);
      expect(encrypted.data!.length).toBe(size + 12 + 16 + 4 + 8 + 'encoding'.length + 'json/plain'.length);
    }
    process.stdout.write(`payload codec, encode + decode per payload: ${figures.join(', ')}\n`);
  });
});

describe('payload keys', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coco-payload-key-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const b64 = randomBytes(32).toString('base64');

  it('reads [<id>:]<base64>, naming a key without an id by its fingerprint', () => {
    expect(parsePayloadKey(`prod-1:${b64}`)).toEqual({ id: 'prod-1', key: Buffer.from(b64, 'base64') });
    expect(parsePayloadKey(b64).id).toBe(keyFingerprint(Buffer.from(b64, 'base64')));
    expect(parsePayloadKey(b64).id).toMatch(/^k[0-9a-f]{8}$/);
    expect(parsePayloadKey(Buffer.from(b64, 'base64').toString('base64url')).key.equals(Buffer.from(b64, 'base64'))).toBe(true);
    for (const bad of ['', 'short', randomBytes(16).toString('base64'), `bad id:${b64}`, `${b64}!`]) expect(() => parsePayloadKey(bad)).toThrow(PayloadKeyError);
  });

  it('are checked by the config: a malformed COCO_PAYLOAD_KEY or old key stops the start, naming the variable', () => {
    expect(() => loadConfig({ COCO_PAYLOAD_KEY: 'not-a-key' })).toThrow(ConfigError);
    expect(() => loadConfig({ COCO_PAYLOAD_KEY: 'not-a-key' })).toThrow(/COCO_PAYLOAD_KEY must be \[<id>:\]<base64 of 32 random bytes>/);
    expect(() => loadConfig({ COCO_PAYLOAD_OLD_KEYS: `a:${b64},b:short` })).toThrow(/COCO_PAYLOAD_OLD_KEYS/);
    const c = loadConfig({ COCO_PAYLOAD_KEY: `new:${b64}`, COCO_PAYLOAD_OLD_KEYS: ` a:${b64} , b:${b64} `, COCO_DATA_DIR: dir });
    expect(c.payloads).toEqual({ key: `new:${b64}`, oldKeys: [`a:${b64}`, `b:${b64}`], keyFile: path.join(dir, 'payload.key') });
  });

  it('come from the key file when COCO_PAYLOAD_KEY is not set: created once, mode 0600, kept after', () => {
    const file = path.join(dir, 'sub', 'payload.key');
    expect(() => loadPayloadKeys({ oldKeys: [], keyFile: file })).toThrow(/no payload key: set COCO_PAYLOAD_KEY .* or start once with `npm start`/);
    expect(ensurePayloadKeyFile(file)).toEqual({ created: true });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const first = loadPayloadKeys({ oldKeys: [], keyFile: file }).current;
    expect(ensurePayloadKeyFile(file)).toEqual({ created: false });
    expect(loadPayloadKeys({ oldKeys: [], keyFile: file }).current).toEqual(first);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['payload.key']);
    // COCO_PAYLOAD_KEY wins over the file.
    expect(loadPayloadKeys({ key: `env:${b64}`, oldKeys: [generatePayloadKey()], keyFile: file }).current.id).toBe('env');
  });
});
