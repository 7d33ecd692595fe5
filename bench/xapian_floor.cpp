// What Xapian alone can index on this machine: each of N threads reads every Nth line of a JSON
// Lines corpus and indexes its title and text with Xapian's own TermGenerator (English stems,
// positions), no entity analysis, into a database of its own, committing every 1,000 articles.
// Prints articles/s. bench/run prints it beside incidex and FTS5 as the storage engine's ceiling.
// The options leave out one part of the work, to show what each costs.
//
//   xapian-floor CORPUS.jsonl OUT_DIR [THREADS] [--no-positions] [--no-stems] [--no-data]
#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "shares.h"

namespace {

struct Parts {
  bool positions = true;  // word positions (phrase search)
  bool stems = true;      // a stemmed term beside each word, as STEM_SOME
  bool data = true;       // the title and text stored with the document
};

std::size_t index_share(const std::string& corpus, const std::string& db_path, unsigned k, unsigned n, Parts parts) {
  std::ifstream in(corpus);
  if (!in) throw std::runtime_error(corpus + ": cannot open");
  Xapian::WritableDatabase db(db_path, Xapian::DB_CREATE_OR_OVERWRITE);
  Xapian::TermGenerator tg;
  if (parts.stems) tg.set_stemmer(Xapian::Stem("english"));
  std::string line;
  std::size_t lineno = 0, added = 0;
  while (std::getline(in, line)) {
    if (lineno++ % n != k) continue;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) continue;
    const std::string title = j.value("title", ""), text = j.value("text", "");
    Xapian::Document doc;
    tg.set_document(doc);
    if (parts.positions) {
      tg.index_text(title);
      tg.increase_termpos(100);
      tg.index_text(text);
    } else {
      tg.index_text_without_positions(title);
      tg.index_text_without_positions(text);
    }
    if (parts.data) doc.set_data(title + "\n" + text);
    db.add_document(doc);
    if (++added % 1000 == 0) db.commit();
  }
  db.commit();
  return added;
}

}  // namespace

int main(int argc, char** argv) {
  Parts parts;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--no-positions") parts.positions = false;
    else if (a == "--no-stems") parts.stems = false;
    else if (a == "--no-data") parts.data = false;
    else args.push_back(a);
  }
  if (args.size() < 2 || args.size() > 3) {
    std::cerr << "usage: xapian-floor CORPUS.jsonl OUT_DIR [THREADS] [--no-positions] [--no-stems] [--no-data]\n";
    return 2;
  }
  const std::string corpus = args[0], out = args[1];
  const unsigned n = args.size() > 2 ? static_cast<unsigned>(std::max(1, std::atoi(args[2].c_str()))) : 1;
  std::filesystem::create_directories(out);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::size_t> added;
  try {
    added = on_threads(n, [&](unsigned k) { return index_share(corpus, fmt::format("{}/db-{}", out, k), k, n, parts); });
  } catch (const std::exception& e) {
    std::cerr << "xapian-floor: " << e.what() << "\n";
    return 1;
  } catch (const Xapian::Error& e) {
    std::cerr << "xapian-floor: " << e.get_description() << "\n";
    return 1;
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::size_t total = 0;
  for (std::size_t a : added) total += a;
  fmt::print("{} articles on {} thread(s) in {:.2f} s: {:.0f} articles/s\n", total, n, s, total / s);
}
