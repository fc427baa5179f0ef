// Domain targets in a shard (issue 5): MX expansion, the domain's SPF
// record, and the summary record written after its addresses' records.
//
// A domain is a domain_job in its own slab. It asks MX and TXT at once,
// then A and AAAA of every MX host (or of the domain itself when there is
// no MX: RFC 5321 §5.1). When the last address lookup is answered, its
// distinct addresses pass the input filters and queue for host slots; each
// runs as an ordinary host (PTR, FCrDNS, SMTP, DNSBL) plus an SPF
// evaluation, and writes its record into the domain's buffer. The last one
// to finish writes the buffer and the summary into the chunk together.

#include "core/clock.h"
#include "core/shard.h"
#include "input/reserved.h"
#include "output/json_writer.h"
#include "output/output_sink.h"

namespace ptrscan {

void shard::start_domain(const domain_item& item) {
  const auto slot = static_cast<uint32_t>(domains_.acquire());
  domain_job& job = domains_[slot];
  job.reset(item.view());
  job.ordinal = item.ordinal;
  counters_.add(counters_.domains_started);
  job.pending = 1;  // the guard, as for hosts
  issue_domain(slot, dns_cookie::kind_t::mx, 0, dns_type_mx, job.mx_qname);
  issue_domain(slot, dns_cookie::kind_t::txt, 0, dns_type_txt, job.txt_qname);
  domain_step_done(slot);
}

void shard::issue_domain(uint32_t slot, dns_cookie::kind_t kind, uint16_t index, uint16_t type,
                         const std::string& qname) {
  ++domains_[slot].pending;
  send_query(dns_cookie{slot, domains_.generation(slot), kind, index}.pack(), type, qname);
}

void shard::on_domain_answer(const dns_cookie& c, dns_status transport, std::string_view reason,
                             std::span<const uint8_t> packet) {
  if (c.slot >= domains_.capacity() || domains_.generation(c.slot) != c.generation) {
    return;  // cannot happen while domains wait for their queries; be safe
  }
  domain_job& job = domains_[c.slot];
  domain_audit& audit = job.audit;
  const bool aaaa = c.kind == dns_cookie::kind_t::mx_aaaa;
  std::string* qname = nullptr;
  uint8_t* hops = nullptr;
  uint16_t qtype = 0;
  switch (c.kind) {
    case dns_cookie::kind_t::mx:
      qname = &job.mx_qname;
      hops = &job.mx_hops;
      qtype = dns_type_mx;
      break;
    case dns_cookie::kind_t::txt:
      qname = &job.txt_qname;
      hops = &job.txt_hops;
      qtype = dns_type_txt;
      break;
    default: {
      if (c.index >= job.host_qnames.size()) {
        domain_step_done(c.slot);  // cannot happen; never leave a domain waiting
        return;
      }
      domain_job::host_questions& q = job.host_qnames[c.index];
      qname = aaaa ? &q.qname_aaaa : &q.qname_a;
      hops = aaaa ? &q.hops_aaaa : &q.hops_a;
      qtype = aaaa ? dns_type_aaaa : dns_type_a;
      break;
    }
  }
  if (!packet.empty()) {
    parse_reply(packet, *qname, qtype, records_);
  } else {
    records_.clear();
    records_.status = transport;
    records_.reason = reason;
  }
  const bool via_cname = *hops != 0 || records_.cname_hops != 0;
  if (!records_.dangling_cname.empty() && *hops + records_.cname_hops <= max_cname_hops) {
    // The resolver stopped at a CNAME: follow it ourselves.
    *hops = static_cast<uint8_t>(*hops + records_.cname_hops);
    *qname = records_.dangling_cname;
    issue_domain(c.slot, c.kind, c.index, qtype, *qname);
    domain_step_done(c.slot);
    return;
  }
  switch (c.kind) {
    case dns_cookie::kind_t::mx:
      audit.set_mx(records_);
      job.host_qnames.resize(audit.hosts.size());
      for (size_t i = 0; i < audit.hosts.size(); ++i) {
        job.host_qnames[i] = {audit.hosts[i].host, audit.hosts[i].host, 0, 0};
      }
      for (size_t i = 0; i < audit.hosts.size(); ++i) {
        const auto index = static_cast<uint16_t>(i);
        issue_domain(c.slot, dns_cookie::kind_t::mx_a, index, dns_type_a,
                     job.host_qnames[i].qname_a);
        issue_domain(c.slot, dns_cookie::kind_t::mx_aaaa, index, dns_type_aaaa,
                     job.host_qnames[i].qname_aaaa);
      }
      break;
    case dns_cookie::kind_t::txt:
      audit.set_txt(records_);
      break;
    default:
      audit.set_addresses(c.index, aaaa, records_.status, records_.addrs, via_cname);
      break;
  }
  domain_step_done(c.slot);
}

void shard::domain_step_done(uint32_t slot) {
  domain_job& job = domains_[slot];
  if (--job.pending != 0) {
    return;
  }
  if (!job.addresses_collected) {
    job.addresses_collected = true;
    collect_domain_addresses(slot);
    if (job.pending != 0) {
      return;  // its addresses are probed now
    }
  }
  finish_domain(slot);
}

std::string_view shard::address_skip_reason(const ip_address& ip) const {
  // The filters input addresses pass (engine.cc's emit): an MX set must not
  // lead the scanner where the command line would not.
  if (!config_.allow_reserved) {
    std::string_view block = reserved_block_name(ip);
    if (!block.empty()) {
      return block;
    }
  }
  if (config_.allowlist && !config_.allowlist->contains(ip)) {
    return "allowlist";
  }
  if (config_.blocklist && config_.blocklist->contains(ip)) {
    return "blocklist";
  }
  return {};
}

void shard::collect_domain_addresses(uint32_t slot) {
  domain_job& job = domains_[slot];
  job.audit.collect_addresses([this](const ip_address& ip) { return address_skip_reason(ip); });
  const uint32_t generation = domains_.generation(slot);
  for (uint32_t i = 0; i < job.audit.addresses.size(); ++i) {
    if (!job.audit.addresses[i].skipped.empty()) {
      counters_.add(counters_.mx_hosts_skipped);
      continue;
    }
    ++job.pending;
    mx_hosts_waiting_.push_back({slot, generation, i});
  }
}

void shard::finish_domain(uint32_t slot) {
  domain_job& job = domains_[slot];
  if (chunk_.empty()) {
    chunk_started_ns_ = monotonic_ns();
  }
  // The addresses' records and the summary enter the chunk together: a
  // chunk boundary (and so a --state record point) never splits a domain.
  chunk_ += job.records;
  json_writer w(chunk_);
  job.audit.write_summary(w, config_.probes.ptr);
  if (config_.track_ordinals) {
    chunk_ordinals_.push_back(job.ordinal);
  }
  counters_.add(counters_.domains_done);
  domains_.release(slot);
  if (chunk_.size() >= config_.chunk_bytes) {
    flush_chunk(INT64_MAX);
  }
}

}  // namespace ptrscan
