const SIZE_UNITS: Record<string, number> = { kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/** A size as the settings take it (100MB, 1.5GiB), in bytes as DuckDB reads it (MB: 1000² bytes); undefined if it is none. */
export function parseSize(size: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(size.trim());
  const unit = match && SIZE_UNITS[match[2]!.toLowerCase()];
  return unit ? Number(match[1]) * unit : undefined;
}
