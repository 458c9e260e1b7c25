/* IEEE fp16 <-> float conversion for firmware (the NPU's data format); round to nearest even. */
#pragma once

#include <stdint.h>

typedef uint16_t fp16;

fp16 fp16_from_float(float value);
float fp16_to_float(fp16 value);
