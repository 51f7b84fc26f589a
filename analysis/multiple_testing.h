// Multiple-comparison control for `meshsim compare`: one comparison tests many rows (several
// metrics per service, several services), and tested each at 5 % a no-op change shows "some
// significant row" far more often than 5 % of the time (issue #15 saw 11 of 40).  The p-values
// of all rows of one comparison are adjusted together, and a row is significant when its
// adjusted p-value is at most alpha = 1 - confidence.
//
//   Holm (default)         controls the family-wise error rate: the chance that *any* row of a
//                          no-op comparison is called significant is at most alpha, whatever the
//                          dependence between rows (Holm 1979, "A simple sequentially rejective
//                          multiple test procedure").  Uniformly more powerful than Bonferroni.
//   Benjamini-Hochberg     controls the false-discovery rate: among the rows called significant,
//                          the expected share of false ones is at most alpha (Benjamini and
//                          Hochberg 1995), proven for independent or positively dependent rows
//                          (Benjamini and Yekutieli 2001); the metrics of one service move
//                          together, plausibly so.
//                          More rows flagged when many really changed; for a no-op comparison
//                          (every null true) it controls the family-wise rate too.
//
// Adjusted p-values (Wright 1992, "Adjusted p-values for simultaneous inference"): with the m
// valid p-values sorted, p(1) <= ... <= p(m),
//   Holm   adj(i) = max_{j <= i} min(1, (m - j + 1) p(j))
//   BH     adj(i) = min_{j >= i} min(1, m / j * p(j))
// and row i is significant at level alpha exactly when adj(i) <= alpha, the same decisions as
// the step-down / step-up procedures.  A NaN p-value (a row with no test) stays NaN and does not
// count towards m.
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace meshsim::analysis {

enum class MultipleTesting { kHolm, kBenjaminiHochberg };

// "Holm" / "Benjamini-Hochberg": how reports name the method.
const char* to_string(MultipleTesting m);
// What the method controls: "family-wise error rate" / "false-discovery rate".
const char* controlled_rate(MultipleTesting m);
// "holm", "bh" or "benjamini-hochberg" (case-insensitive); nullopt otherwise.
std::optional<MultipleTesting> parse_multiple_testing(std::string_view text);

// The adjusted p-values of `p`, in the same order (see above).  NaN entries stay NaN.
std::vector<double> adjust_p_values(std::span<const double> p, MultipleTesting method);

}  // namespace meshsim::analysis
