#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "simnet/model.h"

namespace ptrscan::simnet {

/// The /24 (address >> 8) a zone record's "zone" names ("3.2.10.in-addr.arpa"),
/// or nullopt when it names no /24.
std::optional<uint32_t> zone_record_net24(std::string_view zone);

/// What ptrscan's zone record of the /24 zone `net24` must say after an
/// audit of `targets` against `serve --zone-servers`: status ok, the parent,
/// the parent's and the zone's NS sets, every server asked with its SOA (and
/// serial), NS and TCP results, exactly the findings of the zone's fault
/// (zone_model.h) and the hosts scanned and named. Empty when the record
/// says all of it, else what differs.
std::string zone_mismatch(const model& m, const cidr& targets, uint32_t net24,
                          const nlohmann::json& record);

}  // namespace ptrscan::simnet
