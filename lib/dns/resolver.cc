#include "dns/resolver.h"

#include <ares.h>
#include <arpa/inet.h>

#include <array>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "net/ip_address.h"

namespace ptrscan {

absl::StatusOr<std::vector<std::string>> resolver_servers(const std::vector<std::string>& given) {
  ares_channel channel = nullptr;
  ares_options opts{};
  // Without servers c-ares reads /etc/resolv.conf; NOSEARCH keeps it from
  // reading the search list, which ptrscan never uses.
  opts.flags = ARES_FLAG_NOSEARCH;
  if (int rc = ares_init_options(&channel, &opts, ARES_OPT_FLAGS); rc != ARES_SUCCESS) {
    return absl::InternalError(absl::StrCat("c-ares init: ", ares_strerror(rc)));
  }
  struct closer {
    ares_channel c;
    ~closer() { ares_destroy(c); }
  } close_channel{channel};
  if (!given.empty()) {
    const std::string csv = absl::StrJoin(given, ",");
    if (int rc = ares_set_servers_ports_csv(channel, csv.c_str()); rc != ARES_SUCCESS) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad --resolver list '", csv, "': ", ares_strerror(rc)));
    }
  }
  ares_addr_port_node* list = nullptr;
  if (int rc = ares_get_servers_ports(channel, &list); rc != ARES_SUCCESS) {
    return absl::InternalError(absl::StrCat("c-ares servers: ", ares_strerror(rc)));
  }
  std::vector<std::string> out;
  for (ares_addr_port_node* n = list; n != nullptr; n = n->next) {
    ip_address a;
    if (n->family == AF_INET) {
      a = ip_address::v4(ntohl(n->addr.addr4.s_addr));
    } else {
      std::array<uint8_t, 16> b{};
      std::memcpy(b.data(), &n->addr.addr6, 16);
      a = ip_address::v6(b);
    }
    const int port = n->udp_port != 0 ? n->udp_port : 53;
    out.push_back(a.is_v4() ? absl::StrCat(a.to_string(), ":", port)
                            : absl::StrCat("[", a.to_string(), "]:", port));
  }
  ares_free_data(list);
  return out;
}

}  // namespace ptrscan
