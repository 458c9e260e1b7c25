#include "platform/error.h"

namespace vp {

UserInputError::~UserInputError() = default;
ConfigError::~ConfigError() = default;
InputError::~InputError() = default;
SimulationError::~SimulationError() = default;

}  // namespace vp
