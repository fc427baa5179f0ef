// The SMTP reply reader and reply_host() on whatever a server sends: the input
// is the byte stream of one connection (greeting, possibly pipelined replies).
//
// Beyond "no crash, no UB", the oracles are:
//  - the reader keeps no more than its caps, every kept line ended in LF,
//    and a finished reader consumes nothing more until reset();
//  - how the stream is cut into feed() calls changes nothing: reading it in
//    pseudo-random chunks gives the same replies as reading it in one piece
//    (socket reads split replies anywhere);
//  - reply_host() yields a lower-case domain name or an address literal found
//    in the first line, and nothing else, since the banner/PTR verdict
//    compares it with DNS names.
//
// The caps and the chunk sizes are drawn from a hash of the input, so seeds
// stay plain transcripts and every mutation also varies the split.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "smtp/reply_parser.h"

namespace {

using ptrscan::reply_reader;
using ptrscan::smtp_reply;

struct read_outcome {
  std::vector<smtp_reply> replies;
  bool gave_up = false;  // too_long: a session closes the connection here
};

// Reads `stream` the way the session does: feed what arrived, take each
// complete reply, reset, go on with the leftover bytes; stop at too_long.
// `next_chunk` says how many bytes the next "socket read" delivers.
template <typename Chunker>
read_outcome read_replies(std::string_view stream, size_t max_line, size_t max_reply,
                          Chunker next_chunk) {
  read_outcome out;
  reply_reader reader(max_line, max_reply);
  while (!stream.empty()) {
    const size_t n = std::min(stream.size(), next_chunk());
    std::string_view chunk = stream.substr(0, n);
    stream.remove_prefix(n);
    while (true) {
      const size_t before = chunk.size();
      const reply_reader::result r = reader.feed(chunk);
      if (r == reply_reader::result::need_more) {
        FUZZ_CHECK(chunk.empty());  // need_more must have taken everything
        break;
      }
      out.replies.push_back(reader.reply());
      // Until reset(), the reader stays where it stopped and takes nothing.
      std::string_view again = chunk;
      FUZZ_CHECK(reader.feed(again) == r && again.size() == chunk.size());
      if (r == reply_reader::result::too_long) {
        out.gave_up = true;
        return out;
      }
      FUZZ_CHECK(chunk.size() < before);  // a reply completes on an LF it just read
      reader.reset();
      if (chunk.empty()) {
        break;
      }
    }
  }
  return out;
}

bool same_reply(const smtp_reply& a, const smtp_reply& b) {
  return a.code == b.code && a.lines == b.lines && a.raw == b.raw &&
         a.malformed == b.malformed && a.truncated == b.truncated;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

void check_reply(const smtp_reply& r, size_t max_line, size_t max_reply, bool complete) {
  FUZZ_CHECK(r.raw.size() <= max_reply);
  FUZZ_CHECK(r.code >= 0 && r.code <= 999);
  // Each kept line is one LF-terminated line of raw, so their counts agree.
  FUZZ_CHECK(static_cast<size_t>(std::count(r.raw.begin(), r.raw.end(), '\n')) == r.lines.size());
  if (complete) {
    FUZZ_CHECK(!r.raw.empty() && r.raw.back() == '\n');
  } else {
    FUZZ_CHECK(r.truncated);
  }
  for (const std::string& line : r.lines) {
    FUZZ_CHECK(line.size() <= max_line);
  }
  FUZZ_CHECK(r.first_line() == (r.lines.empty() ? std::string_view() : r.lines.front()));

  const std::string host = ptrscan::reply_host(r);
  if (host.empty()) {
    return;
  }
  FUZZ_CHECK(r.code != 0 && host.size() <= 253);
  if (host.front() == '[') {
    // "[192.0.2.1]" or "[ipv6:2001:db8::1]": nothing but the address inside.
    FUZZ_CHECK(host.size() >= 3 && host.back() == ']');
    std::string_view inner = std::string_view(host).substr(1, host.size() - 2);
    if (inner.starts_with("ipv6:")) {
      inner.remove_prefix(5);
    }
    for (char c : inner) {
      FUZZ_CHECK((c >= 'a' && c <= 'f') || (c >= '0' && c <= '9') || c == '.' || c == ':');
    }
  } else {
    FUZZ_CHECK(host.back() != '.' && host.front() != '.');
    for (char c : host) {
      FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                 c == '_');
    }
  }
  for (char c : host) {
    FUZZ_CHECK(c == lower(c));
  }
  // The host is a token of the first line, lower-cased.
  std::string first(r.first_line());
  std::transform(first.begin(), first.end(), first.begin(), lower);
  FUZZ_CHECK(first.find(host) != std::string::npos);
}

uint64_t fnv1a(const uint8_t* data, size_t size) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < size; ++i) {
    h = (h ^ data[i]) * 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view stream(reinterpret_cast<const char*>(data), size);
  const uint64_t h = fnv1a(data, size);

  // Half the inputs run with the session's caps (2048/65536 are the reader's
  // defaults); the rest with small ones, so that truncation is reachable with
  // short inputs.
  size_t max_line = 2048;
  size_t max_reply = 65536;
  if ((h & 1) != 0) {
    max_line = (h >> 8) % 80;
    max_reply = (h >> 16) % 600;
  }

  const read_outcome whole =
      read_replies(stream, max_line, max_reply, [&] { return stream.size(); });
  std::minstd_rand rng(static_cast<uint32_t>(h >> 32));
  const read_outcome split = read_replies(stream, max_line, max_reply, [&] {
    return static_cast<size_t>(1 + rng() % 16);  // short reads, down to one byte
  });

  FUZZ_CHECK(whole.gave_up == split.gave_up);
  FUZZ_CHECK(whole.replies.size() == split.replies.size());
  std::string received;  // raw is the bytes as they came, so the replies tile the stream
  for (size_t i = 0; i < whole.replies.size(); ++i) {
    FUZZ_CHECK(same_reply(whole.replies[i], split.replies[i]));
    const bool complete = !(whole.gave_up && i + 1 == whole.replies.size());
    check_reply(whole.replies[i], max_line, max_reply, complete);
    received += whole.replies[i].raw;
  }
  FUZZ_CHECK(stream.substr(0, received.size()) == received);
  return 0;
}
