#include "index_writer.h"

#include <unordered_set>

#include "schema.h"

namespace incidex {

IndexWriter::IndexWriter(const std::filesystem::path& db, const Gazetteer& gazetteer, unsigned batch_size)
    : db_(db.string(), Xapian::DB_CREATE_OR_OPEN), gazetteer_(gazetteer), batch_size_(batch_size ? batch_size : 1) {
  db_.set_metadata("incidex:schema", "1");
  started_empty_ = db_.get_lastdocid() == 0;
}

IndexWriter::~IndexWriter() {
  try {
    commit();
  } catch (const Xapian::Error&) {
    // Nothing sensible to do in a destructor; the database stays at its last commit.
  }
}

bool IndexWriter::add(const Analysis& a, const nlohmann::json& record) {
  const std::string id_term = std::string(schema::kIdPrefix) + a.id;
  Xapian::Document doc = schema::make_document(a, gazetteer_, record);
  bool existed;
  if (started_empty_ && written_.insert(a.id).second) {
    existed = false;
    db_.add_document(doc);
  } else {
    existed = db_.term_exists(id_term);
    db_.replace_document(id_term, doc);
  }
  // Words for spelling suggestions: each alphabetic word of 3+ letters, once per article.
  std::unordered_set<std::string_view> words;
  for (const auto* tokens : {&a.title_tokens, &a.text_tokens})
    for (const Token& t : *tokens)
      if (!t.number && t.key.size() >= 3 && t.key.size() <= schema::kMaxWordBytes &&
          t.key.find_first_of("0123456789.") == std::string::npos)
        words.insert(t.key);
  for (const auto& w : words) ++spelling_[std::string(w)];
  if (++pending_ >= batch_size_) commit();
  return existed;
}

Xapian::doccount IndexWriter::count(std::string_view type) const {
  return db_.get_termfreq(std::string(schema::kTypePrefix) + std::string(type));
}

void IndexWriter::commit() {
  if (!pending_) return;
  for (const auto& [word, articles] : spelling_) db_.add_spelling(word, articles);
  spelling_.clear();
  db_.commit();
  pending_ = 0;
}

}  // namespace incidex
