// File bytes in the database itself (GridFS: a files collection and a chunks collection), so uploads need
// no second store and work the same on FerretDB and MongoDB. The attachment's id is the file's id.
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { mongo, type Connection } from 'mongoose';

/** The upload went past its byte budget; nothing of it is kept. */
export class BlobTooLarge extends Error {
  constructor(readonly limitBytes: number) {
    super(`the file is larger than ${limitBytes} bytes`);
  }
}

export interface BlobInfo {
  size: number;
}

const CHUNK_BYTES = 255 * 1024;

export class BlobStore {
  private readonly bucket: mongo.GridFSBucket;

  constructor(connection: Connection, bucketName = 'attachment_files') {
    this.bucket = new mongo.GridFSBucket(connection.db!, { bucketName, chunkSizeBytes: CHUNK_BYTES });
  }

  /**
   * Stores a stream under `id`, stopping at `maxBytes` (BlobTooLarge; the partial file is removed). Gives
   * its size.
   */
  async put(id: string, name: string, source: Readable, maxBytes: number): Promise<BlobInfo> {
    let size = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        done(size > maxBytes ? new BlobTooLarge(maxBytes) : null, chunk);
      },
    });
    const sink = this.bucket.openUploadStreamWithId(id as never, name);
    try {
      await pipeline(source, limit, sink);
    } catch (err) {
      await this.remove(id);
      throw err;
    }
    return { size };
  }

  /** The whole file, read only if it is at most `maxBytes` (a guard: uploads are bounded already). */
  async read(id: string, maxBytes: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.bucket.openDownloadStream(id as never)) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) throw new BlobTooLarge(maxBytes);
      parts.push(chunk as Buffer);
    }
    return Buffer.concat(parts);
  }

  stream(id: string): Readable {
    return this.bucket.openDownloadStream(id as never);
  }

  /** Removes the file; one that is not there is no error (a retried delete, an upload that never finished). */
  async remove(id: string): Promise<void> {
    try {
      await this.bucket.delete(id as never);
    } catch (err) {
      if (!(err instanceof mongo.MongoRuntimeError) || !/not found/i.test(err.message)) throw err;
    }
  }
}
