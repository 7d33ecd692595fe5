#include "casualties.h"

#include <array>
#include <charconv>
#include <string>

namespace incidex {
namespace {

int small_number(std::string_view w) {
  static constexpr std::array<std::string_view, 20> kOnes = {
      "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
      "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
  for (size_t i = 0; i < kOnes.size(); ++i)
    if (w == kOnes[i]) return static_cast<int>(i);
  return -1;
}

int tens_number(std::string_view w) {
  static constexpr std::array<std::string_view, 8> kTens = {"twenty", "thirty", "forty", "fifty",
                                                            "sixty", "seventy", "eighty", "ninety"};
  for (size_t i = 0; i < kTens.size(); ++i)
    if (w == kTens[i]) return static_cast<int>(20 + 10 * i);
  return -1;
}

enum class Verb { none, kill, injure };

Verb verb_of(std::string_view k) {
  static constexpr std::array<std::string_view, 8> kKill = {"killed", "killing", "kills", "dead",
                                                            "died", "deaths", "fatalities", "kill"};
  static constexpr std::array<std::string_view, 9> kInjure = {"wounded", "wounding", "injured", "injuring",
                                                              "injuries", "hurt", "wounds", "injures", "wounds"};
  for (auto w : kKill)
    if (k == w) return Verb::kill;
  for (auto w : kInjure)
    if (k == w) return Verb::injure;
  return Verb::none;
}

bool is_any(std::string_view k, std::initializer_list<std::string_view> words) {
  for (auto w : words)
    if (k == w) return true;
  return false;
}

}  // namespace

std::optional<std::pair<int, std::size_t>> read_number(const std::vector<Token>& t, std::size_t i, std::size_t last) {
  if (i >= last) return std::nullopt;
  const std::string& k = t[i].key;
  if (t[i].number) {
    int v = 0;
    auto [p, ec] = std::from_chars(k.data(), k.data() + k.size(), v);
    if (ec != std::errc() || p != k.data() + k.size() || v > 100000) return std::nullopt;
    return std::make_pair(v, std::size_t{1});
  }
  if (k == "dozens") return std::make_pair(24, std::size_t{1});
  if (k == "scores") return std::make_pair(40, std::size_t{1});
  if (k == "dozen") return std::nullopt;
  if (int tens = tens_number(k); tens > 0) {
    if (i + 1 < last) {
      const int ones = small_number(t[i + 1].key);
      if (ones > 0 && ones < 10) return std::make_pair(tens + ones, std::size_t{2});
    }
    return std::make_pair(tens, std::size_t{1});
  }
  if (int v = small_number(k); v >= 0) {
    if (i + 1 < last && t[i + 1].key == "dozen") return std::make_pair(v * 12, std::size_t{2});
    if (i + 1 < last && t[i + 1].key == "hundred") return std::make_pair(v * 100, std::size_t{2});
    return std::make_pair(v, std::size_t{1});
  }
  if ((k == "a" || k == "an") && i + 1 < last && t[i + 1].key == "dozen") return std::make_pair(12, std::size_t{2});
  return std::nullopt;
}

Casualties find_casualties(const std::vector<Token>& t, std::string_view text, std::size_t first, std::size_t last) {
  Casualties out;
  last = std::min(last, t.size());
  // True when only spaces (no punctuation) stand between tokens a and b.
  const auto joined = [&](std::size_t a, std::size_t b) {
    const std::string_view gap = text.substr(t[a].byte_end, t[b].byte_begin - t[a].byte_end);
    return gap.find_first_not_of(" \t\n-") == std::string_view::npos;
  };
  // A second figure joined by "and" within a few words: "a commander and two guards".
  const auto and_more = [&](std::size_t from, std::size_t limit) -> std::optional<std::pair<int, std::size_t>> {
    for (std::size_t k = from; k < limit && k < from + 4; ++k) {
      if (t[k].key != "and") continue;
      if (k + 1 < limit) {
        if (auto num = read_number(t, k + 1, limit)) return std::make_pair(num->first, k + 1 + num->second);
        if (t[k + 1].key == "a" || t[k + 1].key == "an") return std::make_pair(1, k + 2);
      }
      break;
    }
    return std::nullopt;
  };
  const auto set = [&](Verb v, int n, std::size_t a, std::size_t b) {
    auto& slot = v == Verb::kill ? out.killed : out.injured;
    if (!slot) slot = CasualtyFigure{n, static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b)};
  };
  // Skips "at least", "more than", "some", "about", "around", "nearly", "up to" before a number.
  const auto skip_qualifiers = [&](std::size_t i) {
    while (i < last) {
      const std::string& k = t[i].key;
      if ((k == "at" && i + 1 < last && t[i + 1].key == "least") || (k == "more" && i + 1 < last && t[i + 1].key == "than") ||
          (k == "up" && i + 1 < last && t[i + 1].key == "to")) {
        i += 2;
      } else if (is_any(k, {"some", "about", "around", "nearly", "approximately", "roughly", "over", "almost"})) {
        i += 1;
      } else {
        break;
      }
    }
    return i;
  };
  for (std::size_t j = first; j < last; ++j) {
    const std::string& k = t[j].key;
    // "no casualties", "no one was killed", "no U.S. personnel were injured", "without casualties"
    if (k == "no" || k == "without" || k == "zero") {
      for (std::size_t m = j + 1; m < last && m <= j + 5 && t[m].sentence == t[j].sentence; ++m) {
        const std::string& w = t[m].key;
        if (is_any(w, {"casualties", "casualty"})) {
          set(Verb::kill, 0, j, m + 1);
          set(Verb::injure, 0, j, m + 1);
          break;
        }
        const Verb v = verb_of(w);
        if (v != Verb::none) {
          set(v, 0, j, m + 1);
          break;
        }
        if (t[m].number || read_number(t, m, last)) break;
      }
      continue;
    }
    const Verb v = verb_of(k);
    if (v == Verb::none) continue;
    // Verb first: "killed three", "killing at least 25 fighters", "injured at least nine others",
    // "killed a foreign civilian contractor".
    if (k != "dead" && k != "deaths" && k != "fatalities" && k != "injuries" && k != "wounds") {
      std::size_t n = skip_qualifiers(j + 1);
      if (n < last && t[n].sentence == t[j].sentence && joined(j, j + 1)) {
        std::optional<std::pair<int, std::size_t>> num = read_number(t, n, last);
        if (!num && (t[n].key == "a" || t[n].key == "an") && n + 1 < last && verb_of(t[n + 1].key) == Verb::none)
          num = std::make_pair(1, std::size_t{1});
        if (num) {
          int count = num->first;
          std::size_t end = n + num->second;
          if (auto more = and_more(end + 1, last)) {  // skip the noun after the first figure
            count += more->first;
            end = more->second;
          }
          set(v, count, j, end);
          continue;
        }
      }
    }
    // Number first: "three US soldiers were killed", "four of their militiamen were killed",
    // "25 dead", "a civilian contractor was killed". Look back up to six words.
    for (std::size_t back = 1; back <= 7 && back <= j - first; ++back) {
      std::size_t n = j - back;
      if (t[n].sentence != t[j].sentence) break;
      if (verb_of(t[n].key) != Verb::none) break;
      if (auto num = read_number(t, n, j)) {
        // A compound read from its end ("five" of "twenty-five"): read it from its start.
        if (n > first && t[n - 1].sentence == t[j].sentence)
          if (auto longer = read_number(t, n - 1, j); longer && longer->second == 2) {
            num = longer;
            --n;
          }
        // "a day after ... killed": the number must not be followed by a time word.
        if (n + num->second < j && is_any(t[n + num->second].key, {"days", "day", "weeks", "months", "years", "hours", "rockets", "drones", "missiles"}))
          break;
        // "two Americans and one Briton were killed": add the figure before "and".
        int count = num->first;
        std::size_t begin = n;
        for (std::size_t k = n; k > first && k + 3 >= n && t[k - 1].sentence == t[j].sentence; --k) {
          if (t[k - 1].key != "and") continue;
          for (std::size_t m = k - 1; m > first && m + 4 >= k; --m)
            if (auto before = read_number(t, m - 1, k - 1)) {
              count += before->first;
              begin = m - 1;
              break;
            }
          break;
        }
        set(v, count, begin, j + 1);
        break;
      }
      if ((t[n].key == "a" || t[n].key == "an") && back >= 2 && back <= 5) {
        // "a (foreign) (civilian) contractor was killed"
        const std::string& aux = t[j - 1].key;
        if (is_any(aux, {"was", "been", "is"})) {
          set(v, 1, n, j + 1);
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace incidex
