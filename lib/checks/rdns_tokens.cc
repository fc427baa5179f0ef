#include "checks/rdns_tokens.h"

#include <algorithm>
#include <array>

namespace ptrscan::rdns {
namespace {

// Sorted by word (binary search). Each word's sources are in
// datasets/rdns/keywords.tsv, which rdns_tokens_test compares with this table.
constexpr std::array keyword_table = {
    keyword{"adsl", token_role::access, false},
    keyword{"biz", token_role::business, false},
    keyword{"broad", token_role::access, false},
    keyword{"broadband", token_role::access, false},
    keyword{"bus", token_role::business, false},
    keyword{"business", token_role::business, false},
    keyword{"cable", token_role::access, false},
    keyword{"cablemodem", token_role::access, false},
    keyword{"catv", token_role::access, false},
    keyword{"cgnat", token_role::access, false},
    keyword{"client", token_role::access, false},
    keyword{"cliente", token_role::access, false},
    keyword{"clientes", token_role::access, false},
    keyword{"clients", token_role::access, false},
    keyword{"cm", token_role::access, false},
    keyword{"colo", token_role::business, false},
    keyword{"corp", token_role::business, false},
    keyword{"corporat", token_role::business, false},
    keyword{"corporativo", token_role::business, false},
    keyword{"cpe", token_role::access, false},
    keyword{"cust", token_role::access, false},
    keyword{"customer", token_role::access, false},
    keyword{"dclient", token_role::access, false},
    keyword{"ddns", token_role::dynamic, false},
    keyword{"ded", token_role::static_, false},
    keyword{"dedicated", token_role::static_, false},
    keyword{"dhcp", token_role::dynamic, true},
    keyword{"dial", token_role::dynamic, false},
    keyword{"dialin", token_role::dynamic, true},
    keyword{"dialip", token_role::dynamic, true},
    keyword{"dialup", token_role::dynamic, true},
    keyword{"dinamic", token_role::dynamic, true},
    keyword{"dinamica", token_role::dynamic, true},
    keyword{"dinamico", token_role::dynamic, true},
    keyword{"dip", token_role::dynamic, false},
    keyword{"docsis", token_role::access, false},
    keyword{"dov", token_role::access, false},
    keyword{"dsl", token_role::access, false},
    keyword{"dyn", token_role::dynamic, true},
    keyword{"dynadsl", token_role::dynamic, true},
    keyword{"dynamic", token_role::dynamic, true},
    keyword{"dynamicip", token_role::dynamic, true},
    keyword{"dyndsl", token_role::dynamic, true},
    keyword{"dynip", token_role::dynamic, true},
    keyword{"dynpool", token_role::dynamic, true},
    keyword{"email", token_role::mail, true},
    keyword{"fiber", token_role::access, false},
    keyword{"fibre", token_role::access, false},
    keyword{"fios", token_role::access, false},
    keyword{"fix", token_role::static_, false},
    keyword{"fixed", token_role::static_, true},
    keyword{"fixip", token_role::static_, true},
    keyword{"ftth", token_role::access, false},
    keyword{"home", token_role::access, false},
    keyword{"hosting", token_role::business, false},
    keyword{"hsd", token_role::access, false},
    keyword{"isdn", token_role::access, false},
    keyword{"lte", token_role::access, false},
    keyword{"mail", token_role::mail, true},
    keyword{"mailer", token_role::mail, true},
    keyword{"mailgate", token_role::mail, true},
    keyword{"mailgw", token_role::mail, true},
    keyword{"mailhost", token_role::mail, true},
    keyword{"mailout", token_role::mail, true},
    keyword{"mailrelay", token_role::mail, true},
    keyword{"mailserver", token_role::mail, true},
    keyword{"mobile", token_role::access, false},
    keyword{"modem", token_role::access, false},
    keyword{"modemcable", token_role::access, false},
    keyword{"mta", token_role::mail, true},
    keyword{"mx", token_role::mail, true},
    keyword{"mxout", token_role::mail, true},
    keyword{"nat", token_role::access, false},
    keyword{"node", token_role::access, false},
    keyword{"outbound", token_role::mail, true},
    keyword{"pcp", token_role::access, false},
    keyword{"perm", token_role::static_, false},
    keyword{"pool", token_role::dynamic, false},
    keyword{"pooles", token_role::dynamic, false},
    keyword{"ppp", token_role::dynamic, true},
    keyword{"pppoe", token_role::dynamic, true},
    keyword{"pptp", token_role::dynamic, true},
    keyword{"relay", token_role::mail, true},
    keyword{"res", token_role::access, false},
    keyword{"resnet", token_role::access, false},
    keyword{"server", token_role::business, false},
    keyword{"smtp", token_role::mail, true},
    keyword{"smtpout", token_role::mail, true},
    keyword{"sta", token_role::static_, false},
    keyword{"stat", token_role::static_, false},
    keyword{"static", token_role::static_, true},
    keyword{"staticip", token_role::static_, true},
    keyword{"staticnet", token_role::static_, true},
    keyword{"umts", token_role::access, false},
    keyword{"user", token_role::access, false},
    keyword{"users", token_role::access, false},
    keyword{"vdsl", token_role::access, false},
    keyword{"vps", token_role::business, false},
    keyword{"wifi", token_role::access, false},
    keyword{"wimax", token_role::access, false},
    keyword{"wireless", token_role::access, false},
    keyword{"wlan", token_role::access, false},
    keyword{"wsip", token_role::business, false},
    keyword{"xdsl", token_role::access, false},
};

static_assert(std::is_sorted(keyword_table.begin(), keyword_table.end(),
                             [](const keyword& a, const keyword& b) { return a.word < b.word; }),
              "keyword_table must stay sorted for find_keyword");

}  // namespace

std::span<const keyword> keywords() { return keyword_table; }

const keyword* find_keyword(std::string_view token) {
  const auto* it =
      std::lower_bound(keyword_table.begin(), keyword_table.end(), token,
                       [](const keyword& k, std::string_view t) { return k.word < t; });
  if (it == keyword_table.end() || it->word != token) {
    return nullptr;
  }
  return it;
}

}  // namespace ptrscan::rdns
