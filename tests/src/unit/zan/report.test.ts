import { describe, expect, it } from 'vitest';
import type { CommuneZan } from '@vigie/api/contract';
import { Nomenclature, reportHtml } from '@vigie/api/zan';

/** One commune of 100 ha with two analysed vintages; `covered` gives each one's mapped share of it in %. */
function commune(covered: [number, number]): CommuneZan {
  const vintage = (id: number, year: number, pct: number) => ({
    id, year, coveredM2: pct * 10_000, coveredPct: pct, artificialisedM2: 50_000, artificialisedPct: 5, sealedM2: 20_000, classes: [],
  });
  return {
    commune: { insee: '95002', name: 'Ableiges', areaM2: 1_000_000, population: 1200 },
    vintages: [vintage(1, 2018, covered[0]), vintage(2, 2024, covered[1])],
    flows: [],
    consumption: null,
    settings: { referenceConsumptionHa: null, targetReductionPct: 50, guarantee: false },
    trajectory: null,
    trendsText: '',
    updatedAt: null,
  };
}

const report = (zan: CommuneZan) => reportHtml({ zan, nomenclature: null, mapPng: null, mapYear: null, generatedAt: new Date('2026-12-02'), authorityName: 'Test' });

describe('three-yearly report: what the orthophotos cover of the commune', () => {
  it('warns when a vintage’s map covers only part of the commune, naming it and its share', () => {
    const html = report(commune([100.4, 62]));
    expect(html).toContain('data-warning="couverture-partielle"');
    expect(html).toContain('l’orthophoto 2024 ne couvre que 62,0 % de la commune');
    expect(html).not.toContain('l’orthophoto 2018 ne couvre');
    expect(html).toMatch(/Surface analysée \(part de la commune\)<\/td><td><\/td><td class="num">100,40 ha \(100,0 %\)<\/td><td class="num">62,00 ha \(62,0 %\)/);
  });

  it('says nothing of coverage when every map covers the commune', () => {
    expect(report(commune([99.2, 100.1]))).not.toContain('couverture-partielle');
  });
});

describe('three-yearly report: the method', () => {
  it('states the thresholds the authority’s nomenclature applies, the gap bridged under tree crowns included', () => {
    const nomenclature = Nomenclature.parse({ classes: [{ id: 0, key: 'bati', label: 'Bâti', color: '#e6194b', category: 1, artificialised: true, sealed: true }] });
    const html = reportHtml({ zan: commune([100, 100]), nomenclature, mapPng: null, mapYear: null, generatedAt: new Date('2026-12-02'), authorityName: 'Test' });
    const method = /<p class="method"[^>]*>([^<]*)<\/p>/.exec(html)?.[1] ?? '';
    expect(method).toContain('bâti d’au moins 50 m²');
    expect(method).toContain('revêtement imperméable d’au moins 2\u202f500 m²');
    expect(method).toContain('séparées d’au plus 12 m');
    expect(report(commune([100, 100]))).not.toContain('class="method"');
  });
});
