#include "crypto/cert_time.h"

namespace rcas::crypto {
namespace {

constexpr int64_t kSecondsPerDay = 86400;
constexpr int64_t kLastSecond = 253402300799;  // 9999-12-31T23:59:59Z
constexpr int kUtcTimePivot = 50;              // YY < 50 is 20YY (RFC 5280 §4.1.2.5.1)
constexpr int kMinGeneralizedYear = 1950;
constexpr size_t kUtcTimeLen = 13;
constexpr size_t kGeneralizedTimeLen = 15;

bool TwoDigits(ByteView text, size_t pos, int* out) {
  const uint8_t hi = text[pos];
  const uint8_t lo = text[pos + 1];
  if (hi < '0' || hi > '9' || lo < '0' || lo > '9') {
    return false;
  }
  *out = (hi - '0') * 10 + (lo - '0');
  return true;
}

bool IsLeap(int year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return kDays[month - 1] + (month == 2 && IsLeap(year) ? 1 : 0);
}

// DaysFromCivil counts days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant).
int64_t DaysFromCivil(int year, int month, int day) {
  const int y = year - (month <= 2 ? 1 : 0);
  const int era = y / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return int64_t{era} * 146097 + doe - 719468;
}

}  // namespace

bool IsCertTimeInRange(int64_t t) { return t >= 0 && t <= kLastSecond; }

bool ReadCertTime(DerCursor& in, int64_t* unix_seconds) {
  ByteView text;
  int year = 0;
  size_t pos = 0;
  if (in.PeekTag() == kDerUtcTime) {
    int yy = 0;
    if (!in.Read(kDerUtcTime, &text) || text.size() != kUtcTimeLen || !TwoDigits(text, 0, &yy)) {
      return false;
    }
    year = yy < kUtcTimePivot ? 2000 + yy : 1900 + yy;
    pos = 2;
  } else {
    int century = 0;
    int yy = 0;
    if (!in.Read(kDerGeneralizedTime, &text) || text.size() != kGeneralizedTimeLen ||
        !TwoDigits(text, 0, &century) || !TwoDigits(text, 2, &yy)) {
      return false;
    }
    year = century * 100 + yy;
    pos = 4;
  }
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (year < kMinGeneralizedYear || text.back() != 'Z' || !TwoDigits(text, pos, &month) ||
      !TwoDigits(text, pos + 2, &day) || !TwoDigits(text, pos + 4, &hour) ||
      !TwoDigits(text, pos + 6, &minute) || !TwoDigits(text, pos + 8, &second) || month < 1 ||
      month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 || minute > 59 ||
      second > 59) {
    return false;
  }
  *unix_seconds = DaysFromCivil(year, month, day) * kSecondsPerDay + int64_t{hour} * 3600 +
                  int64_t{minute} * 60 + second;
  return true;
}

}  // namespace rcas::crypto
