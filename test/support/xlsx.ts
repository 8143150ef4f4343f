// Writes .xlsx workbooks of any size to disk without holding them in memory: the zip is written entry by entry,
// each entry deflated as its XML is produced, with sizes and CRC in a data descriptor and the central directory
// at the end (the layout Excel and exceljs read). For the import limit tests: a million rows, or one cell that
// inflates to hundreds of megabytes from a file under a megabyte.
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { constants, crc32, createDeflateRaw } from 'node:zlib';

/** An entry's text, produced piece by piece. */
export type Pieces = Iterable<string | Buffer>;

const CONTENT_TYPES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`;
const ROOT_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`;
const WORKBOOK = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="master" sheetId="1" r:id="rId1"/></sheets></workbook>`;
const WORKBOOK_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`;
const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const letter = (i: number) => String.fromCharCode(65 + i);

/** A worksheet of inline-string cells (booleans as such), one <row> per row, produced lazily. */
export function* sheetXml(rows: Iterable<(string | boolean | null)[]>): Generator<string> {
  yield `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet ${NS}><sheetData>`;
  let r = 0;
  let batch = '';
  for (const row of rows) {
    r++;
    batch += `<row r="${r}">`;
    row.forEach((v, i) => {
      if (v === null) return;
      const ref = `${letter(i)}${r}`;
      batch += typeof v === 'boolean' ? `<c r="${ref}" t="b"><v>${v ? 1 : 0}</v></c>` : `<c r="${ref}" t="inlineStr"><is><t>${escape(v)}</t></is></c>`;
    });
    batch += '</row>';
    if (batch.length > 1 << 16) {
      yield batch;
      batch = '';
    }
  }
  yield `${batch}</sheetData></worksheet>`;
}

/** A shared-strings part holding the given strings, each given in pieces (so one may be enormous). */
export function* sharedStringsXml(strings: Pieces[]): Generator<string | Buffer> {
  yield `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst ${NS} count="${strings.length}" uniqueCount="${strings.length}">`;
  for (const s of strings) {
    yield '<si><t>';
    yield* s;
    yield '</t></si>';
  }
  yield '</sst>';
}

interface Written {
  name: string;
  offset: number;
  crc: number;
  compressed: number;
  size: number;
}

async function write(out: WriteStream, data: Buffer): Promise<void> {
  if (!out.write(data)) await once(out, 'drain');
}

async function writeEntry(out: WriteStream, offset: number, name: string, pieces: Pieces, level: number, declaredSize?: number): Promise<Written> {
  const nameBytes = Buffer.from(name, 'utf8');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4); // version needed
  local.writeUInt16LE(0x0808, 6); // sizes in a data descriptor; UTF-8 names
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt16LE(nameBytes.length, 26);
  await write(out, local);
  await write(out, nameBytes);

  let crc = 0;
  let size = 0;
  let compressed = 0;
  const deflate = createDeflateRaw({ level });
  const drained = (async () => {
    for await (const chunk of deflate) {
      compressed += (chunk as Buffer).length;
      await write(out, chunk as Buffer);
    }
  })();
  for (const piece of pieces) {
    const buf = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
    crc = crc32(buf, crc);
    size += buf.length;
    if (!deflate.write(buf)) await once(deflate, 'drain');
  }
  deflate.end();
  await drained;

  const descriptor = Buffer.alloc(16);
  descriptor.writeUInt32LE(0x08074b50, 0);
  descriptor.writeUInt32LE(crc >>> 0, 4);
  descriptor.writeUInt32LE(compressed, 8);
  descriptor.writeUInt32LE(declaredSize ?? size, 12);
  await write(out, descriptor);
  return { name, offset, crc, compressed, size: declaredSize ?? size };
}

/**
 * Writes a one-sheet workbook: the sheet's XML and the shared strings' XML as pieces; `level` is deflate's.
 * `declaredSizes` writes a false inflated size for the named entries, as a crafted file would.
 */
export async function writeXlsx(
  path: string,
  parts: { sheet: Pieces; sharedStrings?: Pieces; level?: number; declaredSizes?: Record<string, number> },
): Promise<void> {
  const level = parts.level ?? constants.Z_DEFAULT_COMPRESSION;
  const out = createWriteStream(path);
  const entries: [string, Pieces][] = [
    ['[Content_Types].xml', [CONTENT_TYPES]],
    ['_rels/.rels', [ROOT_RELS]],
    ['xl/workbook.xml', [WORKBOOK]],
    ['xl/_rels/workbook.xml.rels', [WORKBOOK_RELS]],
    ['xl/sharedStrings.xml', parts.sharedStrings ?? sharedStringsXml([])],
    ['xl/worksheets/sheet1.xml', parts.sheet],
  ];
  const written: Written[] = [];
  let offset = 0;
  for (const [name, pieces] of entries) {
    const w = await writeEntry(out, offset, name, pieces, level, parts.declaredSizes?.[name]);
    written.push(w);
    offset += 30 + Buffer.byteLength(name) + w.compressed + 16;
  }
  const directoryStart = offset;
  for (const w of written) {
    const name = Buffer.from(w.name, 'utf8');
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // made by
    central.writeUInt16LE(20, 6); // needed
    central.writeUInt16LE(0x0808, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(w.crc >>> 0, 16);
    central.writeUInt32LE(w.compressed, 20);
    central.writeUInt32LE(w.size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(w.offset, 42);
    await write(out, central);
    await write(out, name);
    offset += 46 + name.length;
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(written.length, 8);
  end.writeUInt16LE(written.length, 10);
  end.writeUInt32LE(offset - directoryStart, 12);
  end.writeUInt32LE(directoryStart, 16);
  await write(out, end);
  out.end();
  await once(out, 'finish');
}
