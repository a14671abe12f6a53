/** A fixed-seed generator (xorshift32), so a slow or failing case can be reproduced. */
export function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4_294_967_296;
  };
}

/** `length` characters drawn from `alphabet` (pieces may be several characters long), reproducible by seed. */
export function randomText(length: number, alphabet: readonly string[], seed: number): string {
  const next = seeded(seed);
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const piece = alphabet[Math.floor(next() * alphabet.length)] ?? ' ';
    parts.push(piece);
    size += piece.length;
  }
  return parts.join('').slice(0, length);
}
