/**
 * The uniform draws behind sampling, one generator per candidate.
 *
 * WebLLM samples each token with one draw from tvmjs's `LinearCongruentialGenerator`
 * (lib/index.js l. 3822: Lehmer, multiplier 48271, modulus 2^31 − 1), seeded by the
 * request's `seed` (`pipeline.setSeed`). Mirroring it per candidate makes candidate
 * i of a batch draw exactly what a sequential request with the same seed draws, so
 * both paths pick the same tokens from the same distributions.
 */
const MODULUS = 2147483647;
const MULTIPLIER = 48271;

export class CandidateRng {
  private state: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    // Same normalisation as tvmjs setSeed; negative seeds (which tvmjs rejects) wrap instead.
    const s = ((seed % MODULUS) + MODULUS) % MODULUS;
    this.state = s === 0 ? 1 : s;
  }

  /** A float in (0, 1), as tvmjs `randomFloat()`. */
  next(): number {
    // MULTIPLIER * state < 2^47: exact in a double.
    this.state = (MULTIPLIER * this.state) % MODULUS;
    return this.state / MODULUS;
  }
}
