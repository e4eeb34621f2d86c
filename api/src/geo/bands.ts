/**
 * Samples of an orthophoto shown as red, green, blue (the map tiles, the exported crops): R, G, B when the file
 * has them, else its first three named ones (infrared colour NIR, R, G shown as usual). `names` gives what each
 * sample is (null: skipped, e.g. alpha); without names, the first three samples.
 */
export function displaySamples(names: readonly (string | null)[] | null, sampleCount: number): [number, number, number] {
  if (!names) return sampleCount >= 3 ? [0, 1, 2] : [0, 0, 0];
  const rgb = ['R', 'G', 'B'].map((b) => names.indexOf(b));
  if (rgb.every((i) => i >= 0)) return rgb as [number, number, number];
  const named = names.flatMap((name, sample) => (name ? [sample] : []));
  return [named[0] ?? 0, named[1] ?? named[0] ?? 0, named[2] ?? named[0] ?? 0];
}
