#!/usr/bin/env python3
"""Writes the seed corpora of fuzz/corpus/<target>/ (checked in).

Seeds are small and realistic: SMTP greetings and EHLO replies in the shapes
real MTAs send them (Postfix, Exim, Sendmail, Exchange/Outlook, Gmail, qmail,
OpenSMTPD), DNS responses crafted byte by byte the way resolvers answer
PTR, A/AAAA (through CNAME chains and RFC 2317 delegation), MX and TXT/SPF
queries, plus the malformed shapes the parsers must survive. Nothing here
touches the network. Run it from anywhere; it rewrites the generated files
and leaves any other file in the corpus directories (saved findings) alone.
"""

import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def crlf(*lines):
    return "".join(line + "\r\n" for line in lines)


# --- SMTP greetings (and pipelined follow-ups) -------------------------------

GREETINGS = {
    "postfix": crlf("220 mx1.example.net ESMTP Postfix (Debian/GNU)"),
    "exim": crlf("220 mail.example.org ESMTP Exim 4.96 Mon, 02 Dec 2024 10:15:01 +0000"),
    "sendmail": crlf(
        "220 smtp.example.com ESMTP Sendmail 8.17.1/8.17.1; Mon, 2 Dec 2024 10:15:01 GMT"),
    "exchange_online": crlf(
        "220 AM0PR10MB1234.EURPRD10.PROD.OUTLOOK.COM Microsoft ESMTP MAIL Service ready at "
        "Mon, 2 Dec 2024 10:15:01 +0000 [08DD1234ABCD5678]"),
    "gmail": crlf("220 mx.google.com ESMTP a640c23a62f3a-aa5996c1234si123456766b.42 - gsmtp"),
    "qmail": crlf("220 mail.example.com ESMTP"),
    "opensmtpd": crlf("220 mx.example.org ESMTP OpenSMTPD"),
    "no_host": crlf("220 ESMTP ready"),
    "service_word": crlf("220 Service ready"),
    "multiline": crlf("220-mx.example.net ESMTP Postfix", "220-Unsolicited mail prohibited",
                      "220 Please be patient"),
    "rejected_554": crlf("554 5.7.1 mx.example.net Access denied - listed at dnsbl.example"),
    "tempfail_421": crlf("421 4.3.2 Service not available, closing transmission channel"),
    "ipv4_literal": crlf("220 [192.0.2.25] ESMTP"),
    "ipv6_literal": crlf("220 [IPv6:2001:db8::25] ESMTP"),
    "trailing_dot": crlf("220 MX1.Example.NET. ESMTP"),
    "bare_lf": "220 mx.example.net ESMTP\n",
    "code_only": "220\r\n",
    "garbage": "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n",
    "http": "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
    "no_space": "220mx.example.net\r\n",
    "code_mismatch": crlf("220-mx.example.net", "250 mx.example.net"),
    "utf8_host": crlf("220 mail.b\u00fccher.example ESMTP"),
    "latin1_host": b"220 mail.b\xfccher.example ESMTP\r\n",
    "nul_in_literal": "220 [192.0.2.1\x00junk] ESMTP\r\n",
    "pipelined": crlf("220 mx.example.net ESMTP", "250-mx.example.net", "250 PIPELINING"),
    "endless_line": "220 " + "x" * 700,
    "cr_inside": "220 mx.example.net\rESMTP\r\n",
}

# --- EHLO replies -------------------------------------------------------------

EHLO = {
    "postfix": crlf("250-mx1.example.net", "250-PIPELINING", "250-SIZE 10240000", "250-VRFY",
                    "250-ETRN", "250-STARTTLS", "250-ENHANCEDSTATUSCODES", "250-8BITMIME",
                    "250-DSN", "250-SMTPUTF8", "250 CHUNKING"),
    "exim": crlf("250-mail.example.org Hello scanner.example [192.0.2.7]",
                 "250-SIZE 52428800", "250-8BITMIME", "250-PIPELINING",
                 "250-PIPECONNECT", "250-AUTH PLAIN LOGIN", "250-CHUNKING", "250-STARTTLS",
                 "250-PRDR", "250 HELP"),
    "gmail": crlf("250-mx.google.com at your service, [192.0.2.7]", "250-SIZE 157286400",
                  "250-8BITMIME", "250-STARTTLS", "250-ENHANCEDSTATUSCODES", "250-PIPELINING",
                  "250-CHUNKING", "250 SMTPUTF8"),
    "exchange_online": crlf(
        "250-AM0PR10MB1234.EURPRD10.PROD.OUTLOOK.COM Hello [192.0.2.7]", "250-SIZE 157286400",
        "250-PIPELINING", "250-DSN", "250-ENHANCEDSTATUSCODES", "250-STARTTLS", "250-8BITMIME",
        "250-BINARYMIME", "250-CHUNKING", "250 SMTPUTF8"),
    "sendmail": crlf("250-smtp.example.com Hello scanner.example [192.0.2.7], pleased to meet you",
                     "250-ENHANCEDSTATUSCODES", "250-PIPELINING", "250-8BITMIME",
                     "250-SIZE 36700160", "250-DSN", "250-ETRN", "250-AUTH=LOGIN PLAIN",
                     "250-STARTTLS", "250-DELIVERBY", "250 HELP"),
    "after_starttls": crlf("250-mx1.example.net", "250-PIPELINING", "250-SIZE 10240000",
                           "250-AUTH PLAIN LOGIN", "250-AUTH=PLAIN LOGIN", "250 8BITMIME"),
    "single_line": crlf("250 mx.example.org"),
    "not_implemented": crlf("502 5.5.2 Error: command not recognized"),
    "helo_fallback": crlf("250 mail.example.com Hello [192.0.2.7]"),
    "lowercase_tabs": "250-mx.example.net\r\n250-starttls\r\n250-size\t1000\t\r\n250 8bitmime\r\n",
    "empty_lines": crlf("250-mx.example.net", "250-", "250-   ", "250 STARTTLS"),
    "code_mismatch": crlf("250-mx.example.net", "251-SIZE 1", "250 STARTTLS"),
    "many_extensions": crlf("250-mx.example.net", *("250-X-EXT%d" % i for i in range(70)),
                            "250 STARTTLS"),
    "pipelined_replies": crlf("250-mx.example.net", "250 STARTTLS",
                              "220 2.0.0 Ready to start TLS"),
    "literal_host": crlf("250-[192.0.2.25]", "250 SIZE"),
}

# --- DNS responses -------------------------------------------------------------

A, NS, CNAME, SOA, PTR, MX, TXT, AAAA, OPT = 1, 2, 5, 6, 12, 15, 16, 28, 41
IN = 1


def name(text):
    """An uncompressed wire name; labels are bytes, so any octet is allowed."""
    if isinstance(text, str):
        text = text.encode()
    out = b""
    for label in text.rstrip(b".").split(b".") if text not in (b"", b".") else []:
        out += bytes([len(label)]) + label
    return out + b"\0"


def ptr(offset):
    return struct.pack(">H", 0xC000 | offset)


def header(qd, an, ns=0, ar=0, rcode=0, flags=0x8180, id_=0x1a2b):
    return struct.pack(">HHHHHH", id_, flags | rcode, qd, an, ns, ar)


def rr(owner, rtype, rdata, ttl=3600, klass=IN):
    return owner + struct.pack(">HHIH", rtype, klass, ttl, len(rdata)) + rdata


def question(qname, qtype):
    return name(qname) + struct.pack(">HH", qtype, IN)


def soa(zone_ptr):
    rdata = name("ns1.example.net") + name("hostmaster.example.net") + struct.pack(
        ">IIIII", 2024120201, 7200, 3600, 1209600, 300)
    return rr(zone_ptr, SOA, rdata, ttl=300)


Q = 12  # offset of the question name in every packet below
REV = "7.0.18.198.in-addr.arpa"


def dns_seeds():
    s = {}
    # PTR, the target name compressed against nothing, the owner against the question.
    s["ptr_one"] = header(1, 1) + question(REV, PTR) + rr(ptr(Q), PTR, name("mx1.example.net"))
    s["ptr_two_names"] = (header(1, 2) + question(REV, PTR)
                          + rr(ptr(Q), PTR, name("b.fwd.test")) + rr(ptr(Q), PTR, name("a.fwd.test")))
    # RFC 2317: 7.0.18.198 CNAME 7.0-25.0.18.198, then the PTR there.
    q = question(REV, PTR)
    target_off = Q + len(q) + 12  # rdata of the first answer
    s["ptr_rfc2317"] = (header(1, 2) + q
                        + rr(ptr(Q), CNAME, b"\x017\x040-25" + ptr(Q + 2))
                        + rr(ptr(target_off), PTR, name("mail.customer.example")))
    s["ptr_ipv6"] = (header(1, 1) + question(
        "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", PTR)
        + rr(ptr(Q), PTR, name("mx6.example.net")))
    # The longest legal name: 255 octets on the wire, root included.
    s["ptr_name_255_octets"] = (header(1, 1) + question(REV, PTR)
                                + rr(ptr(Q), PTR, name(".".join(["a" * 62] * 4 + ["b"]))))
    s["ptr_mixed_case"] = (header(1, 1) + question("7.0.18.198.IN-ADDR.ARPA", PTR)
                           + rr(ptr(Q), PTR, name("MX1.Example.NET")))
    s["ptr_odd_bytes"] = (header(1, 1) + question(REV, PTR)
                          + rr(ptr(Q), PTR, name(b"we\\ird.la\x00bel\xff.example")))
    s["ptr_nxdomain"] = (header(1, 0, ns=1, rcode=3) + question(REV, PTR)
                         + soa(ptr(Q + 11)))  # in-addr.arpa
    s["ptr_servfail"] = header(1, 0, rcode=2) + question(REV, PTR)
    s["ptr_refused"] = header(1, 0, rcode=5, flags=0x8100) + question(REV, PTR)
    s["ptr_truncated"] = header(1, 0, flags=0x8380) + question(REV, PTR)
    s["ptr_edns"] = (header(1, 1, ar=1) + question(REV, PTR)
                     + rr(ptr(Q), PTR, name("mx1.example.net"))
                     + b"\0" + struct.pack(">HHIH", OPT, 1232, 0, 0))
    # A through a CNAME chain; AAAA; NODATA; a chain that leaves the answer.
    q = question("mail.example.com", A)
    s["a_cname_chain"] = (header(1, 2) + q
                          + rr(ptr(Q), CNAME, name("mx.example.net"))
                          + rr(ptr(Q + len(q) + 12), A, bytes([192, 0, 2, 25])))
    s["a_two"] = (header(1, 2) + question("mx1.example.net", A)
                  + rr(ptr(Q), A, bytes([198, 18, 0, 7])) + rr(ptr(Q), A, bytes([192, 0, 2, 9])))
    s["aaaa_one"] = (header(1, 1) + question("mx1.example.net", AAAA)
                     + rr(ptr(Q), AAAA, bytes.fromhex("20010db8000000000000000000000025")))
    s["a_nodata"] = (header(1, 0, ns=1) + question("mx1.example.net", A)
                     + soa(ptr(Q + 4)))
    s["a_dangling_cname"] = (header(1, 1) + question("www.example.com", A)
                             + rr(ptr(Q), CNAME, name("cdn.example.net")))
    # What later issues will parse: MX and TXT (SPF) answers.
    q = question("example.org", MX)
    s["mx_two"] = (header(1, 2) + q
                   + rr(ptr(Q), MX, struct.pack(">H", 10) + b"\x03mx1" + ptr(Q))
                   + rr(ptr(Q), MX, struct.pack(">H", 20) + b"\x03mx2" + ptr(Q)))
    spf = b"v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all"
    s["txt_spf"] = (header(1, 2) + question("example.org", TXT)
                    + rr(ptr(Q), TXT, bytes([len(spf)]) + spf)
                    + rr(ptr(Q), TXT, b"\x0bhello world\x05split"))
    # Hostile shapes.
    q = question(REV, PTR)
    s["loop_pointer"] = header(1, 1) + q + rr(ptr(Q), PTR, ptr(Q + len(q) + 12))  # to itself
    s["pointer_past_end"] = header(1, 1) + question(REV, PTR) + rr(ptr(Q), PTR, ptr(0x3fff))
    s["rdlength_past_end"] = (header(1, 1) + question(REV, PTR)
                              + ptr(Q) + struct.pack(">HHIH", PTR, IN, 60, 500) + b"\x02mx\0")
    s["ancount_lies"] = header(1, 40) + question(REV, PTR) + rr(ptr(Q), PTR, name("mx.example"))
    s["cname_loop"] = (header(1, 2) + question("a.example", A)
                       + rr(ptr(Q), CNAME, name("b.example"))
                       + rr(name("b.example"), CNAME, ptr(Q)))
    s["header_only"] = header(0, 0)
    s["short"] = b"\x1a\x2b\x81"
    return s


def records_seeds():
    """MX and TXT answers as parse_records reads them (A/AAAA come along from
    dns_seeds, which parse_records hands to parse_answer)."""
    d = dns_seeds()
    s = {k: d[k] for k in ("mx_two", "txt_spf", "a_cname_chain", "aaaa_one", "ptr_nxdomain",
                           "ancount_lies", "cname_loop", "loop_pointer", "short")}
    s["mx_null"] = (header(1, 1) + question("no-mail.example", MX)
                    + rr(ptr(Q), MX, struct.pack(">H", 0) + b"\0"))
    q = question("www.example.org", MX)
    s["mx_via_cname"] = (header(1, 2) + q + rr(ptr(Q), CNAME, name("example.org"))
                         + rr(ptr(Q + len(q) + 12), MX,
                              struct.pack(">H", 5) + b"\x02mx" + ptr(Q + len(q) + 12)))
    s["mx_rdata_too_short"] = (header(1, 1) + question("example.org", MX)
                               + rr(ptr(Q), MX, b"\x00"))
    long_spf = (b"v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/24 ip6:2001:db8::/32 "
                + b"include:_spf1.example.net " * 8 + b"~all")
    s["txt_spf_split"] = (header(1, 1) + question("example.org", TXT)
                          + rr(ptr(Q), TXT, bytes([255]) + long_spf[:255]
                               + bytes([len(long_spf) - 255]) + long_spf[255:]))
    s["txt_two_spf"] = (header(1, 2) + question("example.org", TXT)
                        + rr(ptr(Q), TXT, b"\x0dv=spf1 -all \x00")
                        + rr(ptr(Q), TXT, b"\x0bv=spf1 +all"))
    s["txt_string_past_rdata"] = (header(1, 1) + question("example.org", TXT)
                                  + rr(ptr(Q), TXT, b"\x20v=spf1"))
    return s


# --- SPF records -------------------------------------------------------------

SPF = {
    "google": "v=spf1 include:_spf.google.com ~all",
    "outlook": "v=spf1 include:spf.protection.outlook.com -all",
    "networks": "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.7 ip6:2001:db8::/32 a mx -all",
    "dual_cidr": "v=spf1 a:mail.example.org/28//64 mx/24 ptr:example.org ?all",
    "redirect": "v=spf1 redirect=_spf.example.net",
    "exp": "v=spf1 -all exp=explain._spf.%{d}",
    "macros": "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} include:%{d2}.example -all",
    "qualifiers": "v=spf1 +a -mx ~ptr ?all",
    "unknown_modifier": "v=spf1 foo=bar.%{d} -all",
    "case": "V=SPF1 IP4:192.0.2.1 -ALL",
    "not_spf": "v=spf10 -all",
    "bad_ip4": "v=spf1 ip4:1.2.3 -all",
    "two_redirects": "v=spf1 redirect=a.example redirect=b.example",
    "bad_macro": "v=spf1 exists:%{z}.example -all",
    "empty_terms": "v=spf1    -all   ",
    "selection": "google-site-verification=abc\0v=spf1 -all\0v=spf1 +all",
}

# --- DNS names for the wire helpers -------------------------------------------

WIRE = {
    "reverse_v4": REV,
    "reverse_v4_dot": REV + ".",
    "escaped_dot": "a\\.b.example.",
    "escaped_backslash": "a\\\\.example",
    "decimal_escapes": "\\000\\255x.example",
    "root": ".",
    "wire_name": name("mx1.example.net"),
    "wire_odd_bytes": name(b"we.ird\\.\x00\x7f"),
    "wire_compressed": b"\x03www" + ptr(12),
    "query": header(1, 0, flags=0x0100) + question(REV, PTR),
    "long_label": "x" * 63 + ".example",
    "long_name": ".".join(["abcdefghi"] * 25),
}

# --- Target lines ---------------------------------------------------------------

TARGETS = {
    "ipv4": "198.51.100.7",
    "ipv6": "2001:db8::25",
    "ipv6_mapped": "::ffff:192.0.2.1",
    "cidr_v4": "198.18.0.0/15",
    "cidr_host_bits": "10.1.2.3/8",
    "cidr_v6": "2001:db8::/112",
    "cidr_v6_too_large": "2001:db8::/64",
    "domain": "Example.ORG.",
    "domain_underscore": "_dmarc.example.com",
    "comment": "# a comment",
    "trailing_comment": "192.0.2.1   # mail relay",
    "crlf": "192.0.2.1\r\n",
    "two_tokens": "192.0.2.1 192.0.2.2",
    "bad_v4": "999.1.1.1",
    "numeric_tld": "1.2.3.4a.5",
    "control_bytes": "exa\x1b[31mmple.com",
    "blank": "   \t",
}

# --- Strings the JSON writer gets ---------------------------------------------------

JSON = {
    "banner": "220 mx1.example.net ESMTP Postfix (Debian/GNU)\r\n",
    "quotes_backslashes": 'say "hi" \\ C:\\path\\ \t tab',
    "controls": "".join(chr(c) for c in range(0, 32)) + "\x7f",
    "utf8": "b\u00fccher \u65e5\u672c \U0001f4e7 \ufffd",
    "latin1": b"b\xfccher caf\xe9",
    "overlong": b"\xc0\xaf \xe0\x80\xaf \xf0\x80\x80\xaf",
    "surrogates": b"\xed\xa0\x80\xed\xbf\xbf",
    "above_max": b"\xf4\x90\x80\x80 \xf5\x80\x80\x80",
    "truncated": b"ok \xe6\x97 \xf0\x9f\x93",
    "long_plain": "a" * 300,
}


# --- SMTP sessions: scripted peers (smtp_session_fuzzer.cc's input) ----------
# A flags byte (1 STARTTLS, 2 relay test, 4 port 465), then chunks of
# [trigger][length][bytes]: trigger & 3 more command lines the peer reads
# before writing the chunk, trigger & 4 shuts the peer's side after it.

STARTTLS, RELAY, IMPLICIT = 1, 2, 4


def session(flags, *chunks):
    out = bytes([flags])
    for trigger, text in chunks:
        data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
        assert len(data) <= 255, text
        out += bytes([trigger, len(data)]) + data
    return out


GREET = "220 mx.example.test ESMTP scripted\r\n"
EHLO_OK = "250-mx.example.test hello\r\n250-PIPELINING\r\n250 SIZE 10240000\r\n"


def session_seeds():
    return {
        # The hostile cases the integration tests script (smtp_hostile_test).
        # A second greeting before EHLO: read as EHLO's reply it once made a
        # closed relay look open.
        "double_greeting": session(RELAY, (0, GREET + GREET), (1, EHLO_OK), (1, "250 ok\r\n"),
                                   (1, "554 5.7.1 relay denied\r\n"), (1, "250 ok\r\n")),
        # Extra "250 ok" lines after EHLO's reply.
        "ehlo_flood": session(RELAY, (0, GREET),
                              (1, EHLO_OK + "250 ok\r\n250 ok\r\n250 ok\r\n"),
                              (1, "250 ok\r\n"), (1, "554 5.7.1 relay denied\r\n")),
        # Talks before it was asked: EHLO's reply sent with the greeting.
        "early_talker": session(RELAY, (0, GREET + EHLO_OK), (1, "250 ok\r\n"),
                                (1, "250 ok\r\n"), (1, "250 ok\r\n")),
        # Clean dialogues: a closed and an open relay, replies in step.
        "relay_closed": session(RELAY, (0, GREET), (1, EHLO_OK), (1, "250 2.1.0 Ok\r\n"),
                                (1, "554 5.7.1 <x@example.net>: Relay access denied\r\n"),
                                (1, "250 2.0.0 Ok\r\n")),
        "relay_open": session(RELAY, (0, GREET), (1, EHLO_OK), (1, "250 2.1.0 Ok\r\n"),
                              (1, "250 2.1.5 Ok\r\n"), (1, "250 2.0.0 Ok\r\n")),
        # EHLO refused, HELO answered.
        "helo_fallback": session(0, (0, GREET), (1, "502 5.5.2 no EHLO\r\n"),
                                 (1, "250 mx.example.test\r\n")),
        # STARTTLS offered and accepted; the "handshake" is garbage.
        "starttls_garbage": session(STARTTLS, (0, GREET),
                                    (1, "250-mx.example.test\r\n250 STARTTLS\r\n"),
                                    (1, "220 2.0.0 Ready to start TLS\r\n"),
                                    (0, b"\x16\x03\x03\x00\x02\x02\x28")),
        # STARTTLS answered 454: the session goes on in clear text.
        "starttls_454": session(STARTTLS | RELAY, (0, GREET),
                                (1, "250-mx.example.test\r\n250 STARTTLS\r\n"),
                                (1, "454 4.7.0 TLS not available\r\n"), (1, "250 ok\r\n"),
                                (1, "550 no\r\n")),
        # STARTTLS's 220 with clear text after it (an injection).
        "starttls_injection": session(STARTTLS, (0, GREET),
                                      (1, "250-mx.example.test\r\n250 STARTTLS\r\n"),
                                      (1, "220 go ahead\r\n250 injected\r\n")),
        # Port 465: the server answers the ClientHello with text.
        "implicit_tls_text": session(IMPLICIT, (1, GREET)),
        # A greeting refused, one without a code, one cut by EOF.
        "greeting_554": session(0, (0, "554 no service here\r\n")),
        "greeting_garbage": session(RELAY, (0, "hello there\r\n")),
        "greeting_eof": session(0, (4, "220-mx.example.test")),
        # A reply that is another command's success: 220 to EHLO.
        "ehlo_220": session(RELAY, (0, GREET), (1, GREET)),
    }


def main():
    for k, v in session_seeds().items():
        write("smtp_session", k, v)
    for k, v in GREETINGS.items():
        write("smtp_reply", k, v)
    for k, v in EHLO.items():
        write("ehlo", k, v)
    for k, v in dns_seeds().items():
        write("dns_answer", k, v)
    for k, v in records_seeds().items():
        write("dns_records", k, v)
    for k, v in SPF.items():
        write("spf_record", k, v)
    for k, v in WIRE.items():
        write("dns_wire", k, v)
    for k, v in TARGETS.items():
        write("target_line", k, v)
    for k, v in JSON.items():
        write("json_writer", k, v)


if __name__ == "__main__":
    main()
