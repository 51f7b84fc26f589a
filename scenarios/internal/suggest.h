// Did-you-mean: the closest known word to a misspelt one.  Internal to scenarios/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace meshsim::scenarios::internal {

// Edit distance with adjacent transpositions (optimal string alignment), case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`: edit distance <= 2 (ties: the first candidate), else one that
// `word` is a prefix of (at least 3 characters), else "".  Never `word` itself.
std::string suggest(std::string_view word, const std::vector<std::string>& candidates);

// "; did you mean 'x'?" for a non-empty suggestion, else "".
std::string did_you_mean(std::string_view suggestion);

}  // namespace meshsim::scenarios::internal
