#include "html.h"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <memory>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <utility>

#include "text_page.h"

namespace incidex {
namespace {

constexpr int kMaxDepth = 512;  // deeper markup is ignored rather than risk the stack

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_element(const xmlNode* n) { return n->type == XML_ELEMENT_NODE; }
std::string_view name_of(const xmlNode* n) {
  return n->name == nullptr ? std::string_view() : reinterpret_cast<const char*>(n->name);
}
bool is_heading(std::string_view name) {
  return name.size() == 2 && name[0] == 'h' && name[1] >= '2' && name[1] <= '6';
}

std::string attr(const xmlNode* n, const char* name) {
  xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
  if (v == nullptr) return {};
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

// ---- What to skip -------------------------------------------------------------------------

constexpr std::array<std::string_view, 22> kSkipTags = {
    "script",     "style",  "noscript", "nav",    "header",   "footer", "aside",    "figure",
    "figcaption", "iframe", "svg",      "button", "template", "select", "textarea", "input",
    "object",     "embed",  "canvas",   "video",  "audio",    "dialog"};
constexpr std::array<std::string_view, 10> kNoiseWords = {
    "share",  "social", "related",    "newsletter", "comment",
    "advert", "promo",  "breadcrumb", "subscribe",  "cookie"};
constexpr std::array<std::string_view, 6> kNoiseRoles = {"navigation",  "complementary", "banner",
                                                         "contentinfo", "search",        "dialog"};

bool noisy_name(std::string value) {
  value = lower(value);
  for (std::size_t p; (p = value.find("commentary")) != std::string::npos;) value.erase(p, 10);
  return std::any_of(kNoiseWords.begin(), kNoiseWords.end(),
                     [&](std::string_view w) { return value.find(w) != std::string::npos; });
}

std::size_t count_paragraphs(const xmlNode* n, int depth, bool& has_article) {
  std::size_t count = 0;
  if (depth > kMaxDepth) return 0;
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (!is_element(c)) continue;
    const std::string_view name = name_of(c);
    if (name == "p") ++count;
    if (name == "article" || name == "main") has_article = true;
    count += count_paragraphs(c, depth + 1, has_article);
  }
  return count;
}

// True for an element whose content is not part of the article.
bool skipped(const xmlNode* n) {
  const std::string_view name = name_of(n);
  if (std::find(kSkipTags.begin(), kSkipTags.end(), name) != kSkipTags.end()) return true;
  if (name == "form") {  // a form wrapping the whole page (ASP.NET) is only a container
    bool has_article = false;
    return count_paragraphs(n, 0, has_article) <= 5 && !has_article;
  }
  if (name == "html" || name == "body" || name == "article" || name == "main") return false;
  if (xmlHasProp(n, reinterpret_cast<const xmlChar*>("hidden")) != nullptr) return true;
  if (lower(attr(n, "aria-hidden")) == "true") return true;
  const std::string role = lower(attr(n, "role"));
  if (std::find(kNoiseRoles.begin(), kNoiseRoles.end(), role) != kNoiseRoles.end()) return true;
  return noisy_name(attr(n, "class")) || noisy_name(attr(n, "id"));
}

// ---- Text ---------------------------------------------------------------------------------

void append_text(const xmlNode* n, std::string& out, int depth) {
  if (depth > kMaxDepth) return;
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
      if (c->content != nullptr) out += reinterpret_cast<const char*>(c->content);
    } else if (is_element(c) && !skipped(c)) {
      if (name_of(c) == "br") {
        out += ' ';
      } else {
        append_text(c, out, depth + 1);
        out += name_of(c) == "p" || name_of(c) == "div" || name_of(c) == "li" ? " " : "";
      }
    }
  }
}

std::string text_of(const xmlNode* n) {
  std::string raw;
  append_text(n, raw, 0);
  return collapse_whitespace(raw);
}

std::string raw_text_of(const xmlNode* n) {  // unfiltered, for <title>, <h1> and JSON-LD
  xmlChar* v = xmlNodeGetContent(n);
  if (v == nullptr) return {};
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

// ---- Choosing the article element -----------------------------------------------------------

struct Scores {
  std::vector<const xmlNode*> articles, mains;           // in document order
  std::unordered_map<const xmlNode*, std::size_t> text;  // paragraph text credited to elements
  const xmlNode* best_container = nullptr;
};

void score(const xmlNode* n, const xmlNode* article, const xmlNode* main, const xmlNode* container,
           Scores& s, int depth) {
  if (depth > kMaxDepth) return;
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (!is_element(c) || skipped(c)) continue;
    const std::string_view name = name_of(c);
    const xmlNode *a = article, *m = main, *k = container;
    if (name == "article") s.articles.push_back(a = c);
    if (name == "main") s.mains.push_back(m = c);
    if (name == "div" || name == "section") k = c;
    if (name == "p") {
      const std::size_t len = text_of(c).size();
      for (const xmlNode* credited : {a, m, k}) {
        if (credited != nullptr) s.text[credited] += len;
      }
      if (k != nullptr && (s.best_container == nullptr || s.text[k] > s.text[s.best_container])) {
        s.best_container = k;
      }
    } else {
      score(c, a, m, k, s, depth + 1);
    }
  }
}

const xmlNode* choose_root(const xmlNode* body, const Scores& s) {
  auto text = [&](const xmlNode* n) {
    const auto it = s.text.find(n);
    return it == s.text.end() ? std::size_t{0} : it->second;
  };
  const std::size_t container = text(s.best_container);
  auto best_of = [&](const std::vector<const xmlNode*>& nodes) -> const xmlNode* {
    const xmlNode* best = nullptr;
    for (const xmlNode* n : nodes) {
      if (best == nullptr || text(n) > text(best)) best = n;
    }
    // An element that holds much less text than the best <div> is a teaser, not the article.
    if (best != nullptr && text(best) * 10 < container * 3) return nullptr;
    return best;
  };
  if (const xmlNode* a = best_of(s.articles)) return a;
  if (const xmlNode* m = best_of(s.mains)) return m;
  if (container > 0) return s.best_container;
  return body;
}

void collect_blocks(const xmlNode* n, std::vector<std::string>& out, int depth);

bool has_block_inside(const xmlNode* n, int depth) {
  if (depth > kMaxDepth) return false;
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (!is_element(c)) continue;
    const std::string_view name = name_of(c);
    if (name == "p" || name == "li" || name == "blockquote" || name == "pre" || is_heading(name) ||
        has_block_inside(c, depth + 1)) {
      return true;
    }
  }
  return false;
}

void collect_blocks(const xmlNode* n, std::vector<std::string>& out, int depth) {
  if (depth > kMaxDepth) return;
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (!is_element(c) || skipped(c)) continue;
    const std::string_view name = name_of(c);
    const bool block = name == "p" || name == "pre" || is_heading(name) ||
                       ((name == "li" || name == "blockquote") && !has_block_inside(c, 0));
    if (block) {
      if (std::string t = text_of(c); !t.empty()) out.push_back(std::move(t));
    } else if (name != "h1") {
      collect_blocks(c, out, depth + 1);
    }
  }
}

// Fallback for pages without paragraph elements: text between block-level elements.
void collect_loose(const xmlNode* n, std::string& current, std::vector<std::string>& out,
                   int depth) {
  static constexpr std::array<std::string_view, 16> kBreaks = {
      "br", "div",        "p",   "section", "li", "tr", "table", "ul",
      "ol", "blockquote", "pre", "hr",      "dd", "dt", "td",    "h1"};
  auto flush = [&] {
    if (std::string t = collapse_whitespace(current); !t.empty()) out.push_back(std::move(t));
    current.clear();
  };
  if (depth > kMaxDepth) return;
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
      if (c->content != nullptr) current += reinterpret_cast<const char*>(c->content);
    } else if (is_element(c) && !skipped(c)) {
      const std::string_view name = name_of(c);
      const bool breaks =
          is_heading(name) || std::find(kBreaks.begin(), kBreaks.end(), name) != kBreaks.end();
      if (breaks) flush();
      collect_loose(c, current, out, depth + 1);
      if (breaks) flush();
    }
  }
}

// ---- Metadata -----------------------------------------------------------------------------

struct Meta {
  std::unordered_map<std::string, std::string> values;  // first content per lower-case key
  std::string canonical;
  std::string title;
  std::string item_date_published;  // itemprop="datePublished" on any element
  std::vector<std::string> json_ld;
  const xmlNode* body = nullptr;
  const xmlNode* first_h1 = nullptr;
};

void collect_meta(const xmlNode* n, Meta& m, int depth) {
  if (depth > kMaxDepth) return;
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (!is_element(c)) continue;
    const std::string_view name = name_of(c);
    if (name == "meta") {
      const std::string content = attr(c, "content");
      for (const char* key_attr : {"property", "name", "itemprop"}) {
        const std::string key = lower(attr(c, key_attr));
        if (!key.empty() && !content.empty()) m.values.emplace(key, content);
      }
    } else if (name == "link") {
      const std::string rel = " " + lower(attr(c, "rel")) + " ";
      if (m.canonical.empty() && rel.find(" canonical ") != std::string::npos)
        m.canonical = attr(c, "href");
    } else if (name == "title" && m.title.empty()) {
      m.title = collapse_whitespace(raw_text_of(c));
    } else if (name == "script") {
      if (lower(attr(c, "type")) == "application/ld+json") m.json_ld.push_back(raw_text_of(c));
      continue;
    } else if (name == "body" && m.body == nullptr) {
      m.body = c;
    } else if (name == "h1" && m.first_h1 == nullptr) {
      m.first_h1 = c;
    }
    if (name != "meta" && m.item_date_published.empty() && attr(c, "itemprop") == "datePublished") {
      m.item_date_published = attr(c, "datetime");
      if (m.item_date_published.empty()) m.item_date_published = attr(c, "content");
      if (m.item_date_published.empty())
        m.item_date_published = collapse_whitespace(raw_text_of(c));
    }
    if (name != "svg") collect_meta(c, m, depth + 1);
  }
}

const xmlNode* find_element(const xmlNode* n, std::string_view name, int depth) {
  if (depth > kMaxDepth) return nullptr;
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (!is_element(c)) continue;
    if (name_of(c) == name) return c;
    if (const xmlNode* found = find_element(c, name, depth + 1)) return found;
  }
  return nullptr;
}

std::string json_ld_date(const nlohmann::json& j, int depth) {
  if (depth > 20) return {};
  if (j.is_object()) {
    if (auto it = j.find("datePublished"); it != j.end() && it->is_string())
      return it->get<std::string>();
  }
  if (j.is_object() || j.is_array()) {
    for (const auto& v : j) {
      if (std::string d = json_ld_date(v, depth + 1); !d.empty()) return d;
    }
  }
  return {};
}

std::size_t word_count(std::string_view s) {
  std::size_t n = 0;
  bool in_word = false;
  for (char c : s) {
    if (c == ' ') {
      in_word = false;
    } else if (!in_word) {
      in_word = true;
      ++n;
    }
  }
  return n;
}

// "Rockets hit base | Rudaw" → "Rockets hit base". Dashes only cut a short capitalised name.
std::string strip_site_suffix(std::string title, std::string_view site) {
  const std::string l = lower(title);
  if (!site.empty()) {
    for (std::string_view sep :
         {" | ", " - ", " \xE2\x80\x93 ", " \xE2\x80\x94 ", " :: ", " \xC2\xB7 "}) {
      const std::string suffix = std::string(sep) + lower(site);
      if (l.size() > suffix.size() && l.ends_with(suffix))
        return title.substr(0, title.size() - suffix.size());
    }
  }
  for (std::string_view sep : {" | ", " :: ", " - ", " \xE2\x80\x93 ", " \xE2\x80\x94 "}) {
    const std::size_t pos = title.rfind(sep);
    if (pos == std::string::npos) continue;
    const std::string_view suffix = std::string_view(title).substr(pos + sep.size());
    const bool dash = sep != " | " && sep != " :: ";
    bool name_like =
        word_count(suffix) <= (dash ? 3u : 5u) && word_count(title.substr(0, pos)) >= 2;
    if (dash) {
      for (std::size_t i = 0; i < suffix.size(); ++i) {  // every word capitalised
        if ((i == 0 || suffix[i - 1] == ' ') &&
            std::islower(static_cast<unsigned char>(suffix[i]))) {
          name_like = false;
        }
      }
    }
    if (name_like) return title.substr(0, pos);
    break;
  }
  return title;
}

struct DocCloser {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};

}  // namespace

HtmlPage extract_html(std::string_view utf8_html) {
  HtmlPage page;
  xmlInitParser();
  const int size = static_cast<int>(std::min<std::size_t>(utf8_html.size(), INT_MAX));
  std::unique_ptr<xmlDoc, DocCloser> doc(htmlReadMemory(
      utf8_html.data(), size, nullptr, "UTF-8",
      HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET));
  const xmlNode* top = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (top == nullptr) return page;

  Meta meta;
  collect_meta(top, meta, 0);
  auto value = [&](std::string_view key) -> std::string {
    const auto it = meta.values.find(std::string(key));
    return it == meta.values.end() ? std::string() : collapse_whitespace(it->second);
  };

  page.source = value("og:site_name");
  if (page.source.empty()) page.source = value("application-name");
  page.url = collapse_whitespace(meta.canonical);
  if (page.url.empty()) page.url = value("og:url");

  Scores scores;
  const xmlNode* body = meta.body != nullptr ? meta.body : top;
  score(body, nullptr, nullptr, nullptr, scores, 0);
  const xmlNode* root = choose_root(body, scores);

  // Title.
  page.title = value("og:title");
  if (!page.title.empty()) page.title = strip_site_suffix(page.title, page.source);
  if (page.title.empty()) {
    std::vector<const xmlNode*> holders;
    if (name_of(root) == "article" || name_of(root) == "main") holders.push_back(root);
    holders.insert(holders.end(), scores.articles.begin(), scores.articles.end());
    for (const xmlNode* h : holders) {
      if (const xmlNode* h1 = find_element(h, "h1", 0)) {
        page.title = collapse_whitespace(raw_text_of(h1));
        if (!page.title.empty()) break;
      }
    }
  }
  if (page.title.empty()) page.title = strip_site_suffix(meta.title, page.source);
  if (page.title.empty() && meta.first_h1 != nullptr)
    page.title = collapse_whitespace(raw_text_of(meta.first_h1));

  // Publication date: the first field that parses.
  std::vector<std::pair<std::string, std::string>> dates;
  for (std::string_view key :
       {"article:published_time", "og:article:published_time", "datepublished", "pubdate", "date",
        "dc.date", "dc.date.issued", "dcterms.date", "dcterms.created"}) {
    if (std::string v = value(key); !v.empty()) dates.emplace_back(std::string(key), std::move(v));
    if (key == "datepublished" && !meta.item_date_published.empty()) {
      dates.emplace_back("itemprop datePublished", collapse_whitespace(meta.item_date_published));
    }
  }
  if (const xmlNode* time = find_element(root, "time", 0)) {
    if (std::string v = collapse_whitespace(attr(time, "datetime")); !v.empty()) {
      dates.emplace_back("time datetime", std::move(v));
    }
  }
  for (const std::string& text : meta.json_ld) {
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) continue;
    if (std::string v = json_ld_date(j, 0); !v.empty()) {
      dates.emplace_back("JSON-LD datePublished", collapse_whitespace(v));
      break;
    }
  }
  for (const auto& [field, text] : dates) {
    if (auto d = parse_date(text)) {
      page.published = d;
      page.published_text = text;
      page.published_field = field;
      break;
    }
  }
  if (!page.published && !dates.empty()) {
    page.published_field = dates.front().first;
    page.published_text = dates.front().second;
  }

  collect_blocks(root, page.paragraphs, 0);
  if (page.paragraphs.empty()) {
    std::string current;
    collect_loose(root, current, page.paragraphs, 0);
    if (std::string t = collapse_whitespace(current); !t.empty())
      page.paragraphs.push_back(std::move(t));
  }
  return page;
}

std::string declared_charset(std::string_view html) {
  const std::string head = lower(html.substr(0, 4096));
  for (std::size_t meta = head.find("<meta"); meta != std::string::npos;
       meta = head.find("<meta", meta + 5)) {
    const std::size_t end = head.find('>', meta);
    const std::string_view tag = std::string_view(head).substr(meta, end - meta);
    const std::size_t cs = tag.find("charset=");
    if (cs == std::string_view::npos) continue;
    std::size_t i = cs + 8;
    while (i < tag.size() && (tag[i] == '"' || tag[i] == '\'' || tag[i] == ' ')) ++i;
    std::size_t j = i;
    while (j < tag.size() && (std::isalnum(static_cast<unsigned char>(tag[j])) || tag[j] == '-' ||
                              tag[j] == '_' || tag[j] == '.' || tag[j] == ':')) {
      ++j;
    }
    if (j > i) return std::string(tag.substr(i, j - i));
  }
  return {};
}

}  // namespace incidex
