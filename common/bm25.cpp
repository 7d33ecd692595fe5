#include "bm25.h"

#include <cmath>

namespace incidex {

Bm25Term::Bm25Term(const Xapian::Database& db, const std::string& term, Xapian::termcount wqf) {
  // BM25Weight::init: the idf part, lifted where a term is in more than half the documents (the
  // formula would turn negative there), then the query-frequency and k1 factors.
  const Xapian::doccount tf = db.get_termfreq(term), n = db.get_doccount();
  double tw = (n - tf + 0.5) / (tf + 0.5);
  if (tw < 2) tw = tw * 0.5 + 1;
  termweight_ = std::log(tw);  // (times OP_SCALE_WEIGHT's factor, which walks do not take)
  const double wqf_double = wqf;
  termweight_ *= (kK3 + 1) * wqf_double / (kK3 + wqf_double);
  termweight_ *= (kK1 + 1);
  // Weight::Internal::get_average_length: total length over document count.
  len_factor_ = n == 0 ? 0 : double(db.get_total_length()) / n;
  if (len_factor_ != 0) len_factor_ = 1 / len_factor_;
}

}  // namespace incidex
