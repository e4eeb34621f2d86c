import { InvalidArgumentError } from 'commander';

/** A commander parser for an integer option (image counts, concurrency, a year): anything else is refused by name. */
export function integer(min = 1) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || n < min) throw new InvalidArgumentError(`un entier ${min === 1 ? 'positif' : `d'au moins ${min}`} est attendu.`);
    return n;
  };
}
