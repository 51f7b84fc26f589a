// A MeshConfig for tests that need exact figures: no network latency and, when asked, no
// sidecar overhead either.  Shared by tests/models and tests/validation.
#pragma once

#include "models/config.h"
#include "simcore/distribution.h"
#include "simcore/time.h"

namespace meshsim::testing {

inline models::MeshConfig zero_latency_mesh(simcore::Time duration, bool zero_sidecar_overhead = false) {
  models::MeshConfig m;
  const auto zero = simcore::Distribution::constant(0);
  m.network.same_zone = m.network.cross_zone = m.network.cross_region = zero;
  if (zero_sidecar_overhead) m.sidecar.pair_overhead = zero;
  m.experiment.duration = duration;
  return m;
}

}  // namespace meshsim::testing
