// Xapian 1.4's default weighting, BM25Weight(k1 = 1, k2 = 0, k3 = 1, b = 0.5, min_normlen = 0.5)
// without a relevance set, reproduced for one query term: a walk over posting lists
// (conjunction.h) weighs a match with it exactly as Enquire's matcher would.
#pragma once

#include <xapian.h>

#include <algorithm>
#include <string>

namespace incidex {

class Bm25Term {
 public:
  // `term` as a query leaf in `db` (whose statistics weigh it), with its within-query frequency
  // `wqf`.
  Bm25Term(const Xapian::Database& db, const std::string& term, Xapian::termcount wqf = 1);

  // The term's part of the weight of a document where it occurs `wdf` times, `doclen` terms long
  // (BM25Weight::get_sumpart, operation for operation, so the doubles are the same).
  double part(Xapian::termcount wdf, Xapian::termcount doclen) const {
    const double normlen = std::max(doclen * len_factor_, kMinNormlen);
    const double wdf_double = wdf;
    const double denom = kK1 * (normlen * kB + (1 - kB)) + wdf_double;
    return termweight_ * (wdf_double / denom);
  }

 private:
  static constexpr double kK1 = 1, kK3 = 1, kB = 0.5, kMinNormlen = 0.5;
  double termweight_ = 0;
  double len_factor_ = 0;
};

}  // namespace incidex
