/**
 * Seeded randomness for the generator (and the writer's retry jitter): a small, fast PRNG whose
 * whole sequence follows from one 32-bit seed. Nothing here reads Math.random or the clock.
 */

/** A source of uniform randomness. */
export interface Random {
  /** A uniform unsigned 32-bit integer. */
  uint32(): number
  /** A uniform float in [0, 1). */
  float(): number
  /** A uniform integer in [0, n), n ≥ 1 (n ≤ 2^32). */
  int(n: number): number
}

/** The largest seed `--seed` accepts (seeds are unsigned 32-bit). */
export const MAX_SEED = 0xffff_ffff

/** splitmix32: one step of a 32-bit mixer, used to expand seeds and to hash (seed, index) pairs. */
export function mix32(x: number): number {
  let z = (x + 0x9e37_79b9) | 0
  z = Math.imul(z ^ (z >>> 16), 0x85eb_ca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2_ae35)
  return (z ^ (z >>> 16)) >>> 0
}

/** A 32-bit hash of several 32-bit words (order matters). */
export function hash32(...words: number[]): number {
  let h = 0x243f_6a88
  for (const w of words) h = mix32((h ^ (w >>> 0)) >>> 0)
  return h
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128 bits of state, passes PractRand,
 * a few integer operations per number. Seeded through splitmix32 and warmed up 12 rounds.
 */
export function createRandom(seed: number, stream = 0): Random {
  let a = mix32(seed >>> 0)
  let b = mix32(a ^ 0x6a09_e667)
  let c = mix32(b ^ (stream >>> 0))
  let d = 1
  const uint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
  for (let i = 0; i < 12; i++) uint32()
  const float = () => uint32() / 4_294_967_296
  return {
    float,
    int: (n: number) => Math.floor(float() * n),
    uint32,
  }
}
