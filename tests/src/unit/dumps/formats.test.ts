import { describe, expect, it } from 'vitest';
import { type Detection, CSV_COLUMNS, chipAround, detectionsCsv, detectionsKml, xml, yoloLine, zipStream } from '@vigie/api/dumps';
import { readZip } from '../../integration/dumps-review/support';

const detection = (over: Partial<Detection> = {}): Detection => ({
  id: 7, status: 'confirme', change: 'persistant', score: 0.87654, areaM2: 12.345, lon: -1.5534567891, lat: 47.2184321, xL93: 355_123.456, yL93: 6_689_012.3456,
  footprint: { type: 'Polygon', coordinates: [[[-1.55, 47.21], [-1.54, 47.21], [-1.54, 47.22], [-1.55, 47.21]]] },
  communeInsee: '44109', communeName: 'Nantes', vintageId: 1, vintageYear: 2024, firstSeenYear: 2021, assigneeId: null, assigneeName: null,
  hasThumbnail: true, createdAt: new Date('2024-07-01T10:00:00Z'), updatedAt: new Date('2024-12-31T23:30:00Z'), ...over,
});

describe('CSV', () => {
  const parse = (csv: string) => csv.slice(1).split('\r\n').filter(Boolean).map((l) => l.split(';'));

  it('starts with a BOM, uses ";" and CRLF, decimal commas, Paris local dates', () => {
    const csv = detectionsCsv([detection()]);
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const [header, row] = parse(csv);
    expect(header).toEqual([...CSV_COLUMNS]);
    const record = Object.fromEntries(header!.map((h, i) => [h, row![i]]));
    expect(record).toMatchObject({
      id: '7', commune: 'Nantes', code_insee: '44109', statut: 'confirmé', changement: 'persistant', score: '0,8765', surface_m2: '12,3',
      // a negative longitude stays a number: no formula guard on numbers
      lon: '-1,5534568', lat: '47,2184321', x_l93: '355123,46', y_l93: '6689012,35', millésime: '2024', première_vue: '2021',
      date_détection: '2024-07-01 12:00:00', date_modification: '2025-01-01 00:30:00',
    });
  });

  it('quotes separators and quotes, and defuses formulas in text', () => {
    const csv = detectionsCsv([detection({ communeName: 'A;B "C"', assigneeName: '=HYPERLINK("http://x")' })]);
    const line = csv.split('\r\n')[1]!;
    expect(line).toContain(';"A;B ""C""";');
    expect(line).toContain(`;"'=HYPERLINK(""http://x"")";`);
  });

  it('has a header and nothing else when empty', () => {
    expect(detectionsCsv([])).toBe(`\ufeff${CSV_COLUMNS.join(';')}\r\n`);
  });
});

describe('KML', () => {
  it('escapes text and drops characters XML cannot carry', () => {
    expect(xml(`<a href="x">&'\u0001\u0000</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
    const kml = detectionsKml([detection({ communeName: 'Saint-<Jean> & "Paul"' })], 'Dépôts <test>');
    expect(kml).toContain('<name>Dépôts &lt;test&gt;</name>');
    expect(kml).toContain('<Data name="commune"><value>Saint-&lt;Jean&gt; &amp; &quot;Paul&quot;</value></Data>');
    expect(kml).toContain('<Point><coordinates>-1.5534568,47.2184321</coordinates></Point>');
    expect([...kml].some((ch) => ch.charCodeAt(0) < 0x09)).toBe(false);
  });
});

describe('dataset chips and labels', () => {
  it('centres the chip on the box and keeps it inside the image', () => {
    expect(chipAround([240, 240, 260, 260], 512, 2000, 2000)).toEqual([0, 0, 512, 512]);
    expect(chipAround([990, 990, 1010, 1010], 512, 2000, 2000)).toEqual([744, 744, 512, 512]);
    expect(chipAround([1990, 1990, 2010, 2010], 512, 2000, 2000)).toEqual([1488, 1488, 512, 512]);
    // an image smaller than a chip gives the whole image
    expect(chipAround([10, 10, 20, 20], 512, 300, 200)).toEqual([0, 0, 300, 200]);
    // nothing of the box in the image
    expect(chipAround([-50, 10, -10, 20], 512, 300, 200)).toBeUndefined();
    expect(chipAround([10, 200, 20, 240], 512, 300, 200)).toBeUndefined();
  });

  it('writes normalised YOLO lines, clipped at the chip border, none for slivers', () => {
    expect(yoloLine([100, 200, 150, 300], [0, 0, 512, 512])).toBe('0 0.244141 0.488281 0.097656 0.195313');
    // half outside on the left: clipped to 0..25
    expect(yoloLine([-25, 0, 25, 50], [0, 0, 100, 100])).toBe('0 0.125000 0.250000 0.250000 0.500000');
    expect(yoloLine([99, 0, 120, 50], [0, 0, 100, 100])).toBeUndefined();
    expect(yoloLine([200, 200, 220, 220], [0, 0, 100, 100])).toBeUndefined();
  });
});

describe('stored ZIP writer', () => {
  const collect = async (stream: ReadableStream<Uint8Array>) => Buffer.from(await new Response(stream).arrayBuffer());
  async function* entries() {
    yield { name: 'data.yaml', bytes: Buffer.from('names:\n  0: depot_sauvage\n') };
    yield { name: 'images/été_1.bin', bytes: Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256) };
    yield { name: 'labels/vide.txt', bytes: new Uint8Array(0) };
  }

  it('round-trips names (UTF-8), bytes and CRCs, empty files included', async () => {
    const files = readZip(await collect(zipStream(entries())));
    expect([...files.keys()]).toEqual(['data.yaml', 'images/été_1.bin', 'labels/vide.txt']);
    expect(files.get('data.yaml')!.toString()).toBe('names:\n  0: depot_sauvage\n');
    expect(files.get('images/été_1.bin')![69_999]).toBe((69_999 * 31) % 256);
    expect(files.get('labels/vide.txt')!.length).toBe(0);
  });

  it('writes a valid empty archive', async () => {
    const empty = await collect(zipStream((async function* () {})()));
    expect(empty.length).toBe(22);
    expect(readZip(empty).size).toBe(0);
  });
});
