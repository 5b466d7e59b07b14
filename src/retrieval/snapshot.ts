// Snapshots of datasource indexes on disk, so a new worker loads an index instead of reading the whole
// corpus again: NDJSON (a header, the compact records, MiniSearch's own serialization in slices), written
// to a temporary file and renamed, so a reader never sees half a snapshot. A snapshot names the change-log
// position it holds; the loader catches up from there (or rebuilds when the log moved to a new epoch).
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { once } from 'node:events';
import MiniSearch, { type AsPlainObject } from 'minisearch';
import { DatasourceIndex, type IndexedText, type LogPosition, SEARCH_FIELDS } from './datasource-index';
import type { IndexedDoc } from './types';

const FORMAT = 1;
const DOCS_PER_LINE = 5000;
const TERMS_PER_LINE = 20_000;

interface Header {
  format: number;
  datasourceId: string;
  position: LogPosition;
}

/** JSON turned the dates into strings. */
const asDate = (v: unknown) => (v == null ? (v as unknown as Date) : new Date(v as string));

const fileOf = (dir: string, datasourceId: string) => path.join(dir, `${encodeURIComponent(datasourceId)}.ndjson`);

export async function saveSnapshot(dir: string, index: DatasourceIndex): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const file = fileOf(dir, index.datasourceId);
  const tmp = `${file}.${process.pid}.tmp`;
  const out = fs.createWriteStream(tmp);
  const write = async (value: unknown) => {
    if (!out.write(`${JSON.stringify(value)}\n`)) await once(out, 'drain');
  };
  try {
    // Copied before the first await: the index may take changes while the file is being written.
    const header: Header = { format: FORMAT, datasourceId: index.datasourceId, position: { ...index.position } };
    const docs = index.docs.slice();
    const { index: terms, ...meta } = index.search.toJSON();
    await write(header);
    for (let i = 0; i < docs.length; i += DOCS_PER_LINE) await write({ docs: docs.slice(i, i + DOCS_PER_LINE) });
    await write({ meta });
    for (let i = 0; i < terms.length; i += TERMS_PER_LINE) await write({ terms: terms.slice(i, i + TERMS_PER_LINE) });
    out.end();
    await once(out, 'finish');
    fs.renameSync(tmp, file);
  } catch (err) {
    out.destroy();
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** The snapshot of this datasource, or undefined when there is none (or one of another format). */
export async function loadSnapshot(dir: string, datasourceId: string, usable: (position: LogPosition) => boolean): Promise<DatasourceIndex | undefined> {
  const file = fileOf(dir, datasourceId);
  if (!fs.existsSync(file)) return undefined;
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  let header: Header | undefined;
  const docs: Array<IndexedDoc | undefined> = [];
  let meta: Omit<AsPlainObject, 'index'> | undefined;
  const terms: AsPlainObject['index'] = [];
  try {
    for await (const line of lines) {
      const part = JSON.parse(line) as Partial<Header> & { docs?: Array<IndexedDoc | null>; meta?: typeof meta; terms?: AsPlainObject['index'] };
      if (!header) {
        if (part.format !== FORMAT || part.datasourceId !== datasourceId || !part.position || !usable(part.position)) return undefined;
        header = part as Header;
      } else if (part.docs) {
        for (const d of part.docs) docs.push(d ? { ...d, updated: asDate(d.updated), created: asDate(d.created) } : undefined);
      } else if (part.meta) meta = part.meta;
      else if (part.terms) for (const t of part.terms) terms.push(t);
    }
  } finally {
    lines.close();
  }
  if (!header || !meta) return undefined;
  const search = await MiniSearch.loadJSAsync<IndexedText>({ ...meta, index: terms }, { fields: SEARCH_FIELDS, storeFields: [] });
  return new DatasourceIndex(datasourceId, header.position, search, docs);
}
