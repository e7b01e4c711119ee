/* The workloads' pseudo-random numbers: fast, seedable, and never calling malloc. */
#ifndef ALLOCSOAK_RNG_H
#define ALLOCSOAK_RNG_H

#include <stdint.h>

/* wyrand: one 64-bit value per call from a 64-bit state. */
static inline uint64_t wyrand(uint64_t *s) {
  *s += 0xa0761d6478bd642full;
  __uint128_t t = (__uint128_t)*s * (*s ^ 0xe7037ed1a0b428dbull);
  return (uint64_t)(t >> 64) ^ (uint64_t)t;
}

/* splitmix64: spreads a seed (e.g. seed + thread index) into an independent-looking state. */
static inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/* Maps a 32-bit random value onto [0, n) without a division (Lemire's multiply-shift). */
static inline uint64_t fast_range(uint32_t r, uint64_t n) { return ((uint64_t)r * n) >> 32; }

#endif
