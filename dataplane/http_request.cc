// HTTP/1.1 request parsing for the image service (dataplane/http_request.h).

#include "dataplane/http_request.h"

#include <algorithm>
#include <charconv>

#include "control/image_registry.h"
#include "dataplane/ascii.h"

namespace rcas::dataplane {
namespace {

bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

bool ParseU64(std::string_view s, uint64_t* v) {
  if (s.empty() || s.size() > 19) {
    return false;
  }
  const auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// ParseRange reads `bytes=a-b`, `bytes=a-` or `bytes=-n`; anything else
// (other units, several ranges, bad numbers) leaves kNone: RFC 9110 lets a
// server ignore a Range it does not take.
HttpRange ParseRange(std::string_view v) {
  HttpRange r;
  if (v.size() < 6 || !IEquals(v.substr(0, 6), "bytes=") || v.find(',') != v.npos) {
    return r;
  }
  v = Trim(v.substr(6));
  const size_t dash = v.find('-');
  if (dash == v.npos) {
    return r;
  }
  const std::string_view a = Trim(v.substr(0, dash)), b = Trim(v.substr(dash + 1));
  uint64_t x = 0, y = 0;
  if (a.empty()) {
    if (ParseU64(b, &y)) {
      r.form = HttpRange::Form::kSuffix;
      r.suffix = y;
    }
  } else if (ParseU64(a, &x)) {
    if (b.empty()) {
      r.form = HttpRange::Form::kFrom;
      r.first = x;
    } else if (ParseU64(b, &y) && y >= x) {
      r.form = HttpRange::Form::kFromTo;
      r.first = x;
      r.last = y;
    }
  }
  return r;
}

HttpParse Fail(HttpRequest* out, int status) {
  out->status = status;
  return HttpParse::kError;
}

// ParseTarget maps origin-form "/fn" or absolute-form "http://host/fn" (query
// dropped) to fn.
bool ParseTarget(std::string_view t, std::string* fn) {
  if (t.size() > 7 && IEquals(t.substr(0, 7), "http://")) {
    const size_t slash = t.find('/', 7);
    if (slash == t.npos) {
      return false;
    }
    t = t.substr(slash);
  }
  if (t.empty() || t.front() != '/') {
    return false;
  }
  t = t.substr(0, t.find('?'));
  return PercentDecode(t.substr(1), fn) && control::ValidImageFn(*fn);
}

}  // namespace

bool PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) {
      return false;
    }
    const int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
    if (hi < 0 || lo < 0 || (hi | lo) == 0) {
      return false;
    }
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

HttpParse ParseHttpRequest(std::string_view in, const HttpLimits& limits, HttpRequest* out) {
  *out = HttpRequest{};
  const size_t end = in.find("\r\n\r\n");
  const size_t line_end = in.find("\r\n");
  if (line_end == in.npos) {
    // Only the request line so far: too long already is 414, else wait.
    return in.size() > limits.max_target + 32 ? Fail(out, 414) : HttpParse::kIncomplete;
  }
  const std::string_view line = in.substr(0, line_end);
  const size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
  if (sp1 == line.npos || sp1 == sp2 || sp1 == 0) {
    return Fail(out, 400);
  }
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (target.size() > limits.max_target) {
    return Fail(out, 414);
  }
  if (end == in.npos) {
    return in.size() > limits.max_head ? Fail(out, 431) : HttpParse::kIncomplete;
  }
  if (end + 4 > limits.max_head) {
    return Fail(out, 431);
  }
  for (char c : method) {
    if (!IsTokenChar(c)) {
      return Fail(out, 400);
    }
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return Fail(out, 400);
  }
  if (version[5] != '1') {
    return Fail(out, 505);
  }
  const bool http11 = version[7] != '0';
  bool has_host = false, conn_close = false, conn_keep = false, has_range = false;
  std::string_view range_value;
  // Header fields: one per CRLF line up to the empty line.
  for (size_t pos = line_end + 2; pos < end + 2;) {
    const size_t eol = in.find("\r\n", pos);
    const std::string_view field = in.substr(pos, eol - pos);
    pos = eol + 2;
    const size_t colon = field.find(':');
    if (colon == field.npos || colon == 0) {
      return Fail(out, 400);  // also obs-fold lines, which start with a space
    }
    const std::string_view name = field.substr(0, colon);
    const std::string_view value = Trim(field.substr(colon + 1));
    for (char c : name) {
      if (!IsTokenChar(c)) {
        return Fail(out, 400);
      }
    }
    for (char c : value) {
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) {
        return Fail(out, 400);
      }
    }
    if (IEquals(name, "host")) {
      if (has_host) {
        return Fail(out, 400);
      }
      has_host = true;
    } else if (IEquals(name, "connection")) {
      // A comma list of options; only close and keep-alive matter here.
      for (size_t s = 0; s <= value.size();) {
        const size_t comma = std::min(value.find(',', s), value.size());
        const std::string_view opt = Trim(value.substr(s, comma - s));
        conn_close |= IEquals(opt, "close");
        conn_keep |= IEquals(opt, "keep-alive");
        s = comma + 1;
      }
    } else if (IEquals(name, "range")) {
      if (has_range) {
        return Fail(out, 400);
      }
      has_range = true;
      range_value = value;
    } else if (IEquals(name, "transfer-encoding") ||
               (IEquals(name, "content-length") && value != "0")) {
      return Fail(out, 400);  // a body on GET/HEAD would desynchronise keep-alive
    }
  }
  if (http11 && !has_host) {
    return Fail(out, 400);  // RFC 9112 §3.2
  }
  if (method != "GET" && method != "HEAD") {
    return Fail(out, 405);
  }
  if (!ParseTarget(target, &out->fn)) {
    return Fail(out, 400);
  }
  out->head = method == "HEAD";
  out->keep_alive = http11 ? !conn_close : (conn_keep && !conn_close);
  if (has_range) {
    out->range = ParseRange(range_value);
  }
  out->consumed = end + 4;
  return HttpParse::kOk;
}

bool ResolveRange(const HttpRange& r, uint64_t size, uint64_t* first, uint64_t* last) {
  switch (r.form) {
    case HttpRange::Form::kNone:
      *first = 0;
      *last = size - 1;
      return size > 0;
    case HttpRange::Form::kFromTo:
    case HttpRange::Form::kFrom:
      if (r.first >= size) {
        return false;
      }
      *first = r.first;
      *last = r.form == HttpRange::Form::kFrom ? size - 1 : std::min(r.last, size - 1);
      return true;
    case HttpRange::Form::kSuffix:
      if (r.suffix == 0 || size == 0) {
        return false;
      }
      *first = size - std::min(r.suffix, size);
      *last = size - 1;
      return true;
  }
  return false;
}

}  // namespace rcas::dataplane
