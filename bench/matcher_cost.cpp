// What Xapian's matcher costs per match when a pass only counts: for each term, the time to read
// its posting list, and the time of an unweighted get_mset() over the term with a match spy that
// does nothing (what a counting pass through the matcher does). Prints ns per match, best of 3.
//
//   matcher-cost DB TERM...        e.g. matcher-cost build/bench/incidex-1000000.db Zcoalit Zrocket
#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace {

struct Nothing : Xapian::MatchSpy {
  void operator()(const Xapian::Document&, double) override {}
};

template <class F>
double best_ms(F&& f) {
  double best = 1e300;
  for (int i = 0; i < 3; ++i) {
    const auto t = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: matcher-cost DB TERM...\n";
    return 2;
  }
  try {
    const Xapian::Database db(argv[1]);
    for (int a = 2; a < argc; ++a) {
      const std::string term = argv[a];
      const Xapian::doccount n = db.get_termfreq(term);
      if (n == 0) {
        fmt::print("{}: no documents\n", term);
        continue;
      }
      const double read = best_ms([&] {
        Xapian::doccount seen = 0;
        for (auto it = db.postlist_begin(term); it != db.postlist_end(term); ++it) seen += *it != 0;
        if (seen != n) throw std::runtime_error(term + ": posting list shorter than its frequency");
      });
      const double matched = best_ms([&] {
        Xapian::Enquire e(db);
        e.set_query(Xapian::Query(term));
        e.set_weighting_scheme(Xapian::BoolWeight());
        Nothing spy;
        e.add_matchspy(&spy);
        e.get_mset(0, 0, db.get_doccount());
      });
      fmt::print("{}: {} documents; posting list {:.1f} ms ({:.0f} ns each), matcher {:.1f} ms ({:.0f} ns each)\n", term, n,
                 read, read * 1e6 / n, matched, matched * 1e6 / n);
    }
  } catch (const Xapian::Error& e) {
    std::cerr << "matcher-cost: " << e.get_description() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "matcher-cost: " << e.what() << "\n";
    return 1;
  }
}
