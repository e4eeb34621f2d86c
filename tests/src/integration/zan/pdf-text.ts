import { inflateSync } from 'node:zlib';

/**
 * Just enough of a PDF reader to get the text Chromium printed: objects, Flate streams, each font's
 * ToUnicode CMap, and the Tj/TJ strings of page and form content streams. Text runs of one BT…ET
 * block are joined; blocks are separated by new lines.
 */
export function pdfText(pdf: Buffer): string {
  const source = pdf.toString('latin1');
  const objects = new Map<number, { dict: string; stream?: Buffer }>();
  for (const m of source.matchAll(/(\d+) 0 obj\s*([\s\S]*?)endobj/g)) {
    const body = m[2]!;
    const at = body.search(/stream\r?\n/);
    if (at < 0) { objects.set(Number(m[1]), { dict: body }); continue; }
    const dict = body.slice(0, at);
    const start = m.index! + m[0].indexOf(body) + at + body.slice(at).match(/stream\r?\n/)![0].length;
    const length = Number(dict.match(/\/Length (\d+)/)?.[1] ?? 0);
    let stream = pdf.subarray(start, start + length);
    if (/\/FlateDecode/.test(dict)) stream = inflateSync(stream);
    objects.set(Number(m[1]), { dict, stream });
  }
  const ref = (text: string | undefined) => (text ? objects.get(Number(text)) : undefined);
  const cmaps = new Map<number, Map<number, string>>();
  const cmapOf = (fontId: number) => {
    if (!cmaps.has(fontId)) cmaps.set(fontId, parseCMap(ref(objects.get(fontId)?.dict.match(/\/ToUnicode (\d+) 0 R/)?.[1])?.stream?.toString('latin1') ?? ''));
    return cmaps.get(fontId)!;
  };
  const fontsOf = (dict: string) => {
    let resources = dict.match(/\/Resources (\d+) 0 R/) ? ref(dict.match(/\/Resources (\d+) 0 R/)![1])!.dict : dict;
    const fontRef = resources.match(/\/Font (\d+) 0 R/);
    if (fontRef) resources = `/Font ${ref(fontRef[1])!.dict}`;
    const fonts = new Map<string, number>();
    const block = resources.match(/\/Font\s*<<([^>]*)>>/)?.[1] ?? '';
    for (const f of block.matchAll(/\/([A-Za-z0-9_.+-]+)\s+(\d+) 0 R/g)) fonts.set(f[1]!, Number(f[2]));
    return fonts;
  };
  const parts: string[] = [];
  for (const [, obj] of objects) {
    if (/\/Type\s*\/Page\b/.test(obj.dict)) {
      const fonts = fontsOf(obj.dict);
      const contents = obj.dict.match(/\/Contents\s*(\[[^\]]*\]|\d+ 0 R)/)?.[1] ?? '';
      for (const c of contents.matchAll(/(\d+) 0 R/g)) parts.push(decodeContent(ref(c[1])?.stream?.toString('latin1') ?? '', fonts, cmapOf));
    } else if (/\/Subtype\s*\/Form/.test(obj.dict) && obj.stream) {
      parts.push(decodeContent(obj.stream.toString('latin1'), fontsOf(obj.dict), cmapOf));
    }
  }
  return parts.join('\n');
}

function parseCMap(text: string): Map<number, string> {
  const map = new Map<number, string>();
  const unicode = (hex: string) => String.fromCodePoint(...(hex.match(/.{4}/g) ?? []).map((h) => parseInt(h, 16)));
  for (const block of text.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const m of block[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) map.set(parseInt(m[1]!, 16), unicode(m[2]!));
  }
  for (const block of text.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const m of block[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])/g)) {
      const lo = parseInt(m[1]!, 16), hi = parseInt(m[2]!, 16);
      if (m[3]!.startsWith('[')) {
        [...m[3]!.matchAll(/<([0-9A-Fa-f]+)>/g)].forEach((d, i) => map.set(lo + i, unicode(d[1]!)));
      } else {
        const base = parseInt(m[3]!.slice(1, -1), 16);
        for (let code = lo; code <= hi; code++) map.set(code, String.fromCodePoint(base + code - lo));
      }
    }
  }
  return map;
}

function decodeContent(content: string, fonts: Map<string, number>, cmapOf: (fontId: number) => Map<number, string>): string {
  let cmap = new Map<number, string>();
  let out = '';
  for (const token of content.matchAll(/\/([A-Za-z0-9_.+-]+)\s+[-\d.]+\s+Tf|<([0-9A-Fa-f\s]*)>|\bET\b/g)) {
    if (token[1]) { const id = fonts.get(token[1]); cmap = id === undefined ? new Map() : cmapOf(id); }
    else if (token[2] !== undefined) {
      const hex = token[2].replace(/\s/g, '');
      for (let i = 0; i + 4 <= hex.length; i += 4) out += cmap.get(parseInt(hex.slice(i, i + 4), 16)) ?? '';
    } else out += '\n';
  }
  return out;
}
