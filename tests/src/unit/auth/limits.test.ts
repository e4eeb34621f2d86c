import { describe, expect, it } from 'vitest';
import { LIMITS, PageQuery, assertVertexLimit, countVertices, parseBbox, polygonGeometry } from '@vigie/api/limits';

const square = (n = 4) => {
  const ring: [number, number][] = [];
  for (let i = 0; i < n; i++) ring.push([2 + Math.cos((i / n) * 2 * Math.PI) * 0.01, 48 + Math.sin((i / n) * 2 * Math.PI) * 0.01]);
  ring.push(ring[0]!);
  return ring;
};

describe('page size', () => {
  it('defaults, accepts up to the ceiling, refuses above it and nonsense', () => {
    expect(PageQuery.parse({})).toEqual({ limit: LIMITS.defaultPageSize, offset: 0 });
    expect(PageQuery.parse({ limit: String(LIMITS.maxPageSize), offset: '10' })).toEqual({ limit: LIMITS.maxPageSize, offset: 10 });
    for (const limit of [String(LIMITS.maxPageSize + 1), '0', '-1', '1e9', '2.5', 'abc', 'Infinity', '9'.repeat(400)]) {
      expect(PageQuery.safeParse({ limit }).success, limit).toBe(false);
    }
  });
});

describe('bbox', () => {
  it('parses a small WGS84 box', () => {
    expect(parseBbox('2.1,48.5,2.3,48.7')).toEqual([2.1, 48.5, 2.3, 48.7]);
  });

  it.each([
    ['', 'invalid_bbox'], ['1,2,3', 'invalid_bbox'], ['1,2,3,4,5', 'invalid_bbox'], ['a,b,c,d', 'invalid_bbox'],
    ['1e2,0,1e2,1', 'invalid_bbox'], ['NaN,0,1,1', 'invalid_bbox'], ['0x10,0,1,1', 'invalid_bbox'],
    ['2,48,1,49', 'invalid_bbox'], ['2,49,3,48', 'invalid_bbox'], ['2,48,2,49', 'invalid_bbox'],
    ['-181,0,-179,1', 'invalid_bbox'], ['0,89.5,1,91', 'invalid_bbox'],
    ['-5,41,10,51', 'bbox_too_large'], ['2,40,2.1,48', 'bbox_too_large'],
  ])('refuses %j (%s)', (text, code) => {
    expect(() => parseBbox(text)).toThrow(expect.objectContaining({ code, status: 400 }));
  });
});

describe('GeoJSON vertices', () => {
  it('counts positions of every geometry type without trusting the shape', () => {
    expect(countVertices({ type: 'Point', coordinates: [1, 2] })).toBe(1);
    expect(countVertices({ type: 'Polygon', coordinates: [square(4), square(8)] })).toBe(14);
    expect(countVertices({ type: 'MultiPolygon', coordinates: [[square(4)], [square(4)]] })).toBe(10);
    expect(countVertices({ type: 'GeometryCollection', geometries: [{ type: 'LineString', coordinates: [[0, 0], [1, 1]] }] })).toBe(2);
    expect(countVertices(null)).toBe(0);
    expect(countVertices({ type: 'Polygon', coordinates: 'nope' })).toBe(0);
  });

  it('refuses a geometry above the vertex limit with a clear error', () => {
    const big = { type: 'Polygon', coordinates: [square(200_000)] };
    expect(countVertices(big)).toBe(200_001); // no stack overflow on a wide array
    expect(() => assertVertexLimit(big)).toThrow(expect.objectContaining({ code: 'geometry_too_complex' }));
    expect(() => assertVertexLimit({ type: 'Polygon', coordinates: [square(10)] })).not.toThrow();
  });

  it('validates polygons: closed rings, WGS84 ranges, vertex limit', () => {
    const schema = polygonGeometry(100);
    expect(schema.safeParse({ type: 'Polygon', coordinates: [square(10)] }).success).toBe(true);
    expect(schema.safeParse({ type: 'MultiPolygon', coordinates: [[square(10)], [square(10)]] }).success).toBe(true);
    expect(schema.safeParse({ type: 'Polygon', coordinates: [square(200)] }).success).toBe(false);
    expect(schema.safeParse({ type: 'Polygon', coordinates: [square(10).slice(0, -1)] }).success).toBe(false);
    expect(schema.safeParse({ type: 'Polygon', coordinates: [[[0, 0], [200, 0], [0, 1], [0, 0]]] }).success).toBe(false);
    expect(schema.safeParse({ type: 'Point', coordinates: [0, 0] }).success).toBe(false);
    expect(schema.safeParse({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [0, 1]]] }).success).toBe(false);
  });
});
