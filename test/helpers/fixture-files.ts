// Real PDF and DOCX files made inside tests, so no binary fixtures are committed.
import { Document, Packer, Paragraph } from 'docx';
import { PDFDocument, StandardFonts } from 'pdf-lib';

const PAGE = { width: 595, height: 842, margin: 50, fontSize: 12, leading: 16 };

/**
 * A PDF with one text line per entry, as many pages as they need. Helvetica without an embedded font writes
 * WinAnsi only: Latin-1 letters and typographic dashes and quotes, no CJK.
 */
export async function makePdf(lines: string[]): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const perPage = Math.floor((PAGE.height - 2 * PAGE.margin) / PAGE.leading);
  for (let first = 0; first === 0 || first < lines.length; first += perPage) {
    const page = pdf.addPage([PAGE.width, PAGE.height]);
    lines.slice(first, first + perPage).forEach((line, i) => {
      page.drawText(line, { x: PAGE.margin, y: PAGE.height - PAGE.margin - (i + 1) * PAGE.leading, size: PAGE.fontSize, font });
    });
  }
  return Buffer.from(await pdf.save());
}

/** A Word document with one paragraph per entry; any Unicode text. */
export async function makeDocx(paragraphs: string[]): Promise<Buffer> {
  const doc = new Document({ sections: [{ children: paragraphs.map((text) => new Paragraph({ text })) }] });
  return Packer.toBuffer(doc);
}
