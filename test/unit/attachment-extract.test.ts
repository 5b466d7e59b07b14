// Text extraction from uploaded files (src/domain/attachments/extract.ts): each type by name, content type and
// bytes, the caps, and that files which cannot be read say why.
import { extractText, kindOf } from '../../src/domain/attachments/extract';
import { makeDocx, makePdf } from '../helpers/fixture-files';

async function textOf(bytes: Buffer, name: string, mime = ''): Promise<string> {
  const result = await extractText(bytes, name, mime);
  if (!result.readable) throw new Error(`not readable: ${result.reason}`);
  return result.text;
}

describe('kindOf', () => {
  it('goes by the extension first, then the content type', () => {
    expect(kindOf('Report.PDF', 'text/plain')).toBe('pdf');
    expect(kindOf('notes.md', '')).toBe('markdown');
    expect(kindOf('page.htm', '')).toBe('html');
    expect(kindOf('upload', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document')).toBe('docx');
    expect(kindOf('upload', 'text/csv; charset=utf-8')).toBe('text');
    expect(kindOf('photo.png', 'image/png')).toBeNull();
    expect(kindOf('upload', '')).toBeNull();
  });
});

describe('extractText', () => {
  it('reads every line of a PDF of several pages, accented letters and dashes included', async () => {
    const lines = Array.from({ length: 60 }, (_, i) => `Line ${i + 1} of the report`);
    lines[0] = 'Grüße aus der Straße – “quoted”';
    const text = await textOf(await makePdf(lines), 'report.pdf', 'application/pdf');
    // makePdf fits 46 lines on a page; a blank line stands between pages.
    expect(text.split('\n')).toEqual([...lines.slice(0, 46), '', ...lines.slice(46)]);
  });

  it('reads the paragraphs of a DOCX, in any script', async () => {
    const text = await textOf(await makeDocx(['Grüße – 東京', 'Второй абзац', 'third paragraph']), 'letter.docx');
    expect(text).toBe('Grüße – 東京\n\nВторой абзац\n\nthird paragraph');
  });

  it('tells PDF, DOCX, HTML and text apart by their bytes when neither name nor type does', async () => {
    expect(await textOf(await makePdf(['found by its header']), 'upload', 'application/octet-stream')).toBe('found by its header');
    expect(await textOf(await makeDocx(['found by its zip entries']), 'upload')).toBe('found by its zip entries');
    expect(await textOf(Buffer.from('<!DOCTYPE html><p>a <b>page</b></p><script>x()</script>'), 'upload')).toBe('a page');
    expect(await textOf(Buffer.from('plain words'), 'upload')).toBe('plain words');
  });

  it('shows HTML as a browser would: no scripts or styles, one block per line', async () => {
    const html = `<html><head><title>The title</title><style>p { color: red }</style></head>
      <body>
        <h1>Heading</h1>
        <p>First   paragraph,
           wrapped in the source.<br>After a break.</p>
        <script>document.write('hidden')</script><noscript>no script</noscript>
        <ul><li>one</li><li>two</li></ul>
        <table><tr><th>k</th><td>v</td></tr></table>
        <pre>  indented
    code</pre>
      </body></html>`;
    const text = await textOf(Buffer.from(html), 'page.html');
    expect(text).toBe('The title\n\nHeading\n\nFirst paragraph, wrapped in the source.\nAfter a break.\n\n- one\n- two\nk\tv\n\n  indented\n    code');
  });

  it('keeps Markdown as it is, without a BOM, CRLF or runs of blank lines', async () => {
    const md = '\ufeff# Title\r\n\r\n\r\n\r\n- item   \r\n  - nested\r\n';
    expect(await textOf(Buffer.from(md), 'README.md')).toBe('# Title\n\n- item\n  - nested');
  });

  it('decodes UTF-16 text by its BOM', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Grüße – 東京', 'utf16le')]);
    expect(await textOf(bytes, 'notes.txt')).toBe('Grüße – 東京');
  });

  it('keeps at most maxChars characters, also of a PDF', async () => {
    const capped = await extractText(Buffer.from('x'.repeat(5000)), 'a.txt', '', { maxChars: 100 });
    expect(capped).toEqual({ readable: true, text: 'x'.repeat(100) });
    const pdf = await extractText(await makePdf(['abcdefghij', 'klmnopqrst']), 'a.pdf', '', { maxChars: 5 });
    expect(pdf).toEqual({ readable: true, text: 'abcde' });
    // A surrogate pair is not cut in half.
    expect(await extractText(Buffer.from('ab😀c'), 'a.txt', '', { maxChars: 3 })).toEqual({ readable: true, text: 'ab' });
  });

  it('does not read binary files, whatever their name says', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    expect(await extractText(png, 'photo.png', 'image/png')).toEqual({ readable: false, reason: expect.stringMatching(/not of a type whose text is read/) });
    expect(await extractText(png, 'upload', '')).toMatchObject({ readable: false });
    expect(await extractText(png, 'notes.txt', 'text/plain')).toEqual({ readable: false, reason: expect.stringMatching(/content is binary/) });
    const xlsx = Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('xl/workbook.xml')]);
    expect(await extractText(xlsx, 'upload', '')).toMatchObject({ readable: false });
  });

  it('says a PDF without text has none, rather than returning nothing', async () => {
    expect(await extractText(await makePdf([]), 'scan.pdf', '')).toEqual({ readable: false, reason: expect.stringMatching(/no text/) });
  });

  it('rejects a corrupt PDF or DOCX with an error that says what could not be read', async () => {
    const pdf = await makePdf(['soon broken']);
    await expect(extractText(pdf.subarray(0, 200), 'broken.pdf', '')).rejects.toThrow(/^the PDF could not be read: /);
    await expect(extractText(Buffer.from('%PDF-1.7 nothing else'), 'upload', '')).rejects.toThrow(/^the PDF could not be read: /);
    const docx = await makeDocx(['soon broken']);
    await expect(extractText(docx.subarray(0, docx.length - 100), 'broken.docx', '')).rejects.toThrow(/^the DOCX could not be read: /);
    await expect(extractText(Buffer.from('not a zip'), 'fake.docx', '')).rejects.toThrow(/^the DOCX could not be read: /);
  });

  it('stops a parse when its signal aborts', async () => {
    const pdf = await makePdf(['never read']);
    await expect(extractText(pdf, 'a.pdf', '', { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    const controller = new AbortController();
    const reading = extractText(pdf, 'a.pdf', '', { signal: controller.signal });
    controller.abort(new Error('upload deleted'));
    await expect(reading).rejects.toThrow('upload deleted');
  });
});
