#include "output/timestamp.h"

#include <ctime>

namespace ptrscan {
namespace {

void put2(char* p, int v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

}  // namespace

int64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::string_view rfc3339_ms::format(int64_t ns) {
  // Floor division: a time before 1970 still has a millisecond in 0..999.
  int64_t ms = ns / 1'000'000;
  if (ns % 1'000'000 < 0) {
    --ms;
  }
  if (ms == ms_) {
    return {buf_, length};
  }
  int64_t sec = ms / 1000;
  int milli = static_cast<int>(ms % 1000);
  if (milli < 0) {
    milli += 1000;
    --sec;
  }
  if (sec != sec_) {
    const std::time_t t = static_cast<std::time_t>(sec);
    std::tm tm{};
    gmtime_r(&t, &tm);
    int year = tm.tm_year + 1900;
    year = year < 0 ? 0 : (year > 9999 ? 9999 : year);
    put2(buf_, year / 100);
    put2(buf_ + 2, year % 100);
    buf_[4] = '-';
    put2(buf_ + 5, tm.tm_mon + 1);
    buf_[7] = '-';
    put2(buf_ + 8, tm.tm_mday);
    buf_[10] = 'T';
    put2(buf_ + 11, tm.tm_hour);
    buf_[13] = ':';
    put2(buf_ + 14, tm.tm_min);
    buf_[16] = ':';
    put2(buf_ + 17, tm.tm_sec);
    buf_[19] = '.';
    buf_[23] = 'Z';
    sec_ = sec;
  }
  buf_[20] = static_cast<char>('0' + milli / 100);
  put2(buf_ + 21, milli % 100);
  ms_ = ms;
  return {buf_, length};
}

}  // namespace ptrscan
