#include "fp16.h"

#include <string.h>

fp16 fp16_from_float(float value) {
  uint32_t f;
  memcpy(&f, &value, 4);
  const uint32_t sign = (f >> 16) & 0x8000u;
  const int32_t exponent = (int32_t)((f >> 23) & 0xFFu) - 127 + 15;
  uint32_t mantissa = f & 0x7FFFFFu;
  if (((f >> 23) & 0xFFu) == 0xFFu)
    return (fp16)(sign | 0x7C00u | (mantissa ? 0x200u : 0u)); /* inf, nan */
  if (exponent >= 31) return (fp16)(sign | 0x7C00u);          /* overflow */
  if (exponent <= 0) {                                        /* subnormal */
    if (exponent < -10) return (fp16)sign;
    mantissa |= 0x800000u;
    const uint32_t shift = (uint32_t)(14 - exponent);
    uint32_t half = mantissa >> shift;
    const uint32_t rest = mantissa & ((1u << shift) - 1u), halfway = 1u << (shift - 1u);
    if (rest > halfway || (rest == halfway && (half & 1u))) half++;
    return (fp16)(sign | half);
  }
  uint32_t half = sign | ((uint32_t)exponent << 10) | (mantissa >> 13);
  const uint32_t rest = mantissa & 0x1FFFu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u)))
    half++; /* may carry into the exponent: correct */
  return (fp16)half;
}

float fp16_to_float(fp16 value) {
  const uint32_t sign = (uint32_t)(value & 0x8000u) << 16;
  uint32_t exponent = (value >> 10) & 0x1Fu, mantissa = value & 0x3FFu, f;
  if (exponent == 0x1Fu) {
    f = sign | 0x7F800000u | (mantissa << 13);
  } else if (exponent == 0) {
    if (mantissa == 0) {
      f = sign;
    } else { /* subnormal: normalise */
      exponent = 1;
      while ((mantissa & 0x400u) == 0) {
        mantissa <<= 1;
        exponent--;
      }
      f = sign | ((exponent + 127 - 15) << 23) | ((mantissa & 0x3FFu) << 13);
    }
  } else {
    f = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float out;
  memcpy(&out, &f, 4);
  return out;
}
