import fs from 'node:fs';
import { fromFile, type GeoTIFF, type GeoTIFFImage } from 'geotiff';
import { VigieError } from '@vigie/api/errors';
import { type Bounds, type GeoTransform, alphaSample, isSupportedCrs } from '@vigie/api/geo';

export interface GeoTiffInfo {
  width: number;
  height: number;
  bands: number;
  epsg: number;
  geoTransform: GeoTransform;
  bounds: Bounds;
  gsdM: number;
  /** the sample marked as alpha (TIFF ExtraSamples), if any */
  alphaSample: number | null;
}

/** Opened files per process: a GeoTIFF header is read once, windows are read on demand. */
const opened = new Map<string, Promise<{ tiff: GeoTIFF; image: GeoTIFFImage }>>();

export function openGeoTiff(file: string): Promise<{ tiff: GeoTIFF; image: GeoTIFFImage }> {
  let entry = opened.get(file);
  if (!entry) {
    entry = (async () => {
      if (!fs.existsSync(file)) throw new VigieError('imagery_missing', `Fichier d’imagerie introuvable : ${file}`);
      try {
        const tiff = await fromFile(file);
        return { tiff, image: await tiff.getImage() };
      } catch (error) {
        throw new VigieError('imagery_unreadable', `GeoTIFF illisible (${file}) : ${(error as Error).message}`);
      }
    })();
    entry.catch(() => opened.delete(file));
    opened.set(file, entry);
  }
  return entry;
}

/** Reads and checks a GeoTIFF's georeferencing: north-up, a CRS Vigie supports, a known pixel size. */
export async function describeGeoTiff(file: string): Promise<GeoTiffInfo> {
  const { image } = await openGeoTiff(file);
  const keys = image.getGeoKeys() as Record<string, number> | null;
  const epsg = keys?.ProjectedCSTypeGeoKey ?? keys?.GeographicTypeGeoKey;
  let origin: number[];
  let resolution: number[];
  try {
    origin = image.getOrigin();
    resolution = image.getResolution();
  } catch {
    throw new VigieError('imagery_not_georeferenced', `Le fichier ${file} n’est pas géoréférencé (ni tiepoint ni transformation).`);
  }
  if (!epsg) throw new VigieError('imagery_no_crs', `Le fichier ${file} ne déclare pas de système de coordonnées (EPSG).`);
  if (!isSupportedCrs(epsg)) {
    throw new VigieError('imagery_unsupported_crs', `Système de coordonnées EPSG:${epsg} non pris en charge : reprojetez en Lambert-93 (EPSG:2154).`);
  }
  const bits = Array.from({ length: image.getSamplesPerPixel() }, (_, s) => [image.getBitsPerSample(s), image.getSampleFormat(s)] as const);
  if (bits.some(([b, format]) => b !== 8 || format !== 1)) {
    // the models, the map tiles and the exports all read 0–255 samples: 16-bit or float pixels would be misread silently
    throw new VigieError(
      'imagery_unsupported_depth',
      `Le fichier ${file} a des échantillons de ${bits[0]![0]} bits${bits[0]![1] === 3 ? ' flottants' : ''} : Vigie lit des orthophotos en 8 bits. ` +
        'Convertissez-le, par exemple : gdal_translate -ot Byte -scale -co TILED=YES -co COMPRESS=DEFLATE -co PREDICTOR=2 entrée.tif sortie.tif',
    );
  }
  const [pixelWidth, negHeight] = resolution as [number, number];
  if (!(pixelWidth > 0) || !(negHeight < 0)) throw new VigieError('imagery_not_north_up', 'Seules les images orientées nord (sans rotation) sont prises en charge.');
  const geoTransform: GeoTransform = { originX: origin[0]!, originY: origin[1]!, pixelWidth, pixelHeight: -negHeight };
  const width = image.getWidth();
  const height = image.getHeight();
  return {
    width,
    height,
    bands: image.getSamplesPerPixel(),
    epsg,
    geoTransform,
    bounds: [geoTransform.originX, geoTransform.originY - height * geoTransform.pixelHeight, geoTransform.originX + width * pixelWidth, geoTransform.originY],
    gsdM: pixelWidth,
    alphaSample: alphaSample(image),
  };
}

