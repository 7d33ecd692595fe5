// Word pairs: each two adjacent indexed words, neither of them a function word ("of", "the"...),
// are also indexed as one term without positions. A phrase of such words can then be matched from
// that term's posting list instead of checking word positions in every document holding both
// words, which is what a phrase costs when its words are common.
//
// Index side: make_document and make_incident_document add the pair terms (body and title words
// unprefixed, title words also under the title prefix) and kPairedTerm. Query side: use_pairs
// rewrites parsed queries; it matches exactly what the phrase matches, provided every document of
// the database carries pairs (complete()).
#pragma once

#include <xapian.h>

#include <string>
#include <string_view>

namespace incidex::word_pairs {

// Whether a folded word forms pairs: it is not one of the function words, a fixed list that is
// part of the index format (changing it needs a rebuild).
bool pairable(std::string_view key);

// The pair term of two adjacent word terms, both unprefixed or both under the title prefix:
// schema::kPairPrefix + first + ' ' + second.
std::string pair_term(std::string_view first, std::string_view second);

// Whether every document of `db` was indexed with pairs (carries schema::kPairedTerm); false for
// an empty database. Databases written before pairs, or partly, answer phrases from positions.
bool complete(const Xapian::Database& db);

// `q` with its exact phrases (OP_PHRASE whose window is its number of words, each a word term)
// helped by pair terms: a phrase of two pairable words becomes their OP_AND filtered by their pair
// (the same documents, with the same weights as the phrase, without reading positions); a longer
// phrase is filtered by the pairs of its pairable neighbours, so that positions are checked only
// where they are all present. Other subqueries are kept as they are. Only for complete() databases.
Xapian::Query use_pairs(const Xapian::Query& q);

}  // namespace incidex::word_pairs
