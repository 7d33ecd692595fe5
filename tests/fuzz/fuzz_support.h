// Shared helpers for the libFuzzer targets in this folder: the shipped data (loaded once), a
// private scratch folder for inputs that must be read from a file, and a check that aborts (so
// that libFuzzer records the input) when a documented property does not hold.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "gazetteer.h"
#include "analyzer.h"
#include "charset.h"
#include "ingest.h"

namespace incidex::fuzz {

namespace fs = std::filesystem;

inline const fs::path kRoot = fs::path(INCIDEX_SOURCE_DIR);

// Larger inputs only slow the fuzzer down without reaching new code.
inline constexpr std::size_t kMaxInput = 64 * 1024;

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

#define FUZZ_CHECK(cond)                                                                  \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);      \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)

inline const Gazetteer& gazetteer() {
  static const Gazetteer g = Gazetteer::load(kRoot / "data" / "gazetteer");
  return g;
}

inline const ReadOptions& read_options() {
  static const ReadOptions o = [] {
    ReadOptions r;
    r.boilerplate_markers = load_boilerplate_markers(kRoot / "data" / "boilerplate.txt");
    return r;
  }();
  return o;
}

// A folder of this process, removed at exit: under $INCIDEX_FUZZ_SCRATCH when set (scripts/fuzz
// sets it and removes it after a crash too), else in /dev/shm when there is one (no disk writes).
inline const fs::path& scratch() {
  static const fs::path dir = [] {
    std::error_code ec;
    const char* env = std::getenv("INCIDEX_FUZZ_SCRATCH");
    fs::path base = env && *env                       ? fs::path(env)
                    : fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm")
                                                       : fs::temp_directory_path();
    fs::path d = base / ("incidex-fuzz-" + std::to_string(getpid()));
    fs::create_directories(d);
    std::atexit([] {
      std::error_code e;
      fs::remove_all(scratch(), e);
    });
    return d;
  }();
  return dir;
}

// Writes `bytes` to scratch()/name and returns the path.
inline fs::path write_file(const std::string& name, std::string_view bytes) {
  const fs::path p = scratch() / name;
  std::ofstream(p, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return p;
}

// Reads a file through the ingest pipeline, checking what every article must satisfy, and
// analyses each article as incidex-index does (explain record included).
inline std::size_t ingest(const fs::path& file) {
  static const Analyzer analyzer(gazetteer());
  std::size_t n = 0;
  read_file(file, read_options(), [&](RawArticle&& a) {
    ++n;
    FUZZ_CHECK(!article_id(a).empty());
    FUZZ_CHECK(is_valid_utf8(a.title) && is_valid_utf8(a.text) && is_valid_utf8(a.source));
    if (a.published) {
      FUZZ_CHECK(a.published->valid());
      if (a.published->precision == DatePrecision::day)
        FUZZ_CHECK(is_valid_day(a.published->year, a.published->month, a.published->day));
    }
    const Analysis analysis = analyzer.analyze(std::move(a));
    (void)analyzer.explain(analysis).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }, [](InputProblem&& p) { FUZZ_CHECK(!p.message.empty()); });
  return n;
}

}  // namespace incidex::fuzz
