#!/usr/bin/env python3
"""Writes names.tsv: labelled rDNS names for the ptrscan naming classifier.

Every row is a naming pattern from a cited source (README.md, "Sources"),
instantiated with an address the pattern fits; the expected class is what the
source says about that pattern (a blocklist's "dynamic" or "static" list, a
provider's documentation, the project issue), never what the classifier
answers. Rows the sources quote verbatim are kept verbatim with their IPs.

Deterministic: python3 generate_names.py > names.tsv
"""
import ipaddress
import random

rng = random.Random(5)  # issue #5
rows = []


def ip4(prefix):
    net = ipaddress.ip_network(prefix)
    return ipaddress.ip_address(int(net.network_address) + rng.randrange(1, net.num_addresses - 1))


def octets(ip):
    return [int(x) for x in str(ip).split('.')]


def hex8(ip):
    return ''.join('%02x' % o for o in octets(ip))


def add(name, ip, cls, source):
    rows.append((name, str(ip), cls, source))


def instances(n, prefix, fmt, cls, source):
    """n rows of one pattern; fmt gets a, b, c, d (octets), ip, hex, r (rng)."""
    for _ in range(n):
        ip = ip4(prefix)
        a, b, c, d = octets(ip)
        add(fmt(a=a, b=b, c=c, d=d, ip=ip, hex=hex8(ip), r=rng), ip, cls, source)


def pad(o):
    return '%03d' % o


GD, GS, GU, ML, CU, IV, NO = ('generic-dynamic', 'generic-static', 'generic-unspecified',
                              'mail-like', 'custom', 'invalid', 'none')

# --- SpamAssassin 20_dynrdns.cf: the examples its RDNS_DYNAMIC rules quote, verbatim ---
for name, ip in [
        ('dhcp024-210-034-053.columbus.rr.com', '24.210.34.53'),
        ('c-66-176-16-108.se.client2.attbi.com', '66.176.16.108'),
        ('c-67-168-174-61.client.comcast.net', '67.168.174.61'),
        ('vaise-1-82-67-44-166.fbx.proxad.net', '82.67.44.166'),
        ('lns-vlq-11-62-147-186-141.adsl.proxad.net', '62.147.186.141'),
        ('dsl-200-95-109-107.prod-infinitum.com.mx', '200.95.109.107'),
        ('port-212-202-77-203.reverse.qsc.de', '212.202.77.203'),
        ('pool-151-203-32-68.bos.east.verizon.net', '151.203.32.68'),
        ('c-67-164-133-216.client.comcast.net', '67.164.133.216'),
        ('200-171-228-6.customer.telesp.net.br', '200.171.228.6'),
        ('modemcable090.28-201-24.mc.videotron.ca', '24.201.28.90'),
        ('80-218-47-160.dclient.hispeed.ch', '80.218.47.160'),
        ('cdm-68-226-239-16.laft.cox-internet.com', '68.226.239.16'),
        ('d53-64-35-171.nap.wideopenwest.com', '64.53.171.35'),
        ('74.67-201-80.adsl.skynet.be', '80.201.67.74'),
        ('12-218-225-223.client.mchsi.com', '12.218.225.223'),
        ('pptp-81-30-186-139.ufanet.ru', '81.30.186.139'),
        ('catv-506237d8.miskcatv.broadband.hu', '80.98.55.216'),
        ('fia83-8.dsl.hccnet.nl', '62.251.8.83'),
        ('fia160-115-100.dsl.hccnet.nl', '80.100.115.160'),
        ('h0002a5d76857.ne.client2.attbi.com', '65.96.12.59'),
        ('cpe00e0184f0eba-cm014490118324.cpe.net.cable.rogers.com', '24.43.109.140'),
        ('ca-morpark-cuda1-zone7-b-159.vnnyca.adelphia.net', '67.23.129.159'),
        ('pd9e4f89f.dip.t-dialin.net', '217.228.248.159'),
        ('118.red-80-35-201.pooles.rima-tde.net', '80.35.201.118'),
        ('yahoobb219173000034.bbtec.net', '219.173.0.34'),
        ('ool-18be1aaf.dyn.optonline.net', '24.190.26.175'),
        ('wiley-170-10231.roadrunner.nf.net', '205.251.210.249'),
        ('pcp04024417pcs.toresd01.pa.comcast.net', '68.86.206.126'),
        ('h234n2fls32o895.telia.com', '217.208.73.234'),
        ('cm-vina5-168-207.cm.vtr.net', '200.104.168.207'),
        ('public4-seve6-5-cust173.lond.broadband.ntl.com', '81.101.137.173'),
]:
    add(name, ip, GD, 'SA-DYNRDNS(quoted example)')
# Quoted without an address; any address of the provider fits.
for name, prefix in [('0xd5aaf40b.dhcp.kabelnettet.dk', None), ('c221106.ppp.asahi-net.or.jp', '61.213.0.0/16'),
                     ('u035201.ppp.asahi-net.or.jp', '61.213.0.0/16'),
                     ('mg001182.user.veloxzone.com.br', '201.17.0.0/16'),
                     ('ba199058073.user.veloxzone.com.br', '201.17.0.0/16'),
                     ('dsl.dynamic8510023760.ttnet.net.tr', '85.100.0.0/16'),
                     ('ec9z5l.cm.chello.no', '62.179.0.0/16'), ('cm89.omega139.maxonline.com.sg', '218.186.0.0/16'),
                     ('cp160000-a.mill1.nb.home.nl', '82.73.0.0/16')]:
    add(name, '213.170.244.11' if prefix is None else ip4(prefix), GD, 'SA-DYNRDNS(quoted example)')

# --- Patterns named in the project issue (#5) ---
for st in ['ca', 'fl', 'ga', 'il', 'mi', 'wa']:
    instances(1, '73.0.0.0/8', lambda **k: 'c-%d-%d-%d-%d.hsd1.%s.comcast.net' % (k['a'], k['b'], k['c'], k['d'], st),
              GD, 'ISSUE5(comcast)')
for city in ['lsanca', 'nycmny', 'washdc', 'bstnma', 'phlapa']:
    instances(1, '71.96.0.0/11', lambda **k: 'pool-%d-%d-%d-%d.%s.fios.verizon.net' % (k['a'], k['b'], k['c'], k['d'], city),
              GD, 'ISSUE5(verizon)')
for prefix in ['79.192.0.0/10', '91.0.0.0/10', '93.192.0.0/13', '87.128.0.0/10', '217.224.0.0/11', '84.128.0.0/10']:
    instances(1, prefix, lambda **k: 'p%s.dip0.t-ipconnect.de' % k['hex'], GD, 'ISSUE5(deutsche telekom)')
for _ in range(4):
    instances(1, '81.182.0.0/15', lambda **k: 'dsl%s.pool.t-online.hu' % k['hex'], GD, 'ISSUE5(magyar telekom)')
for city in ['lyo', 'mar', 'tou']:
    instances(1, '86.192.0.0/11', lambda **k: 'lfbn-%s-1-%d-%d.w%d-%d.abo.wanadoo.fr' % (city, k['c'], k['d'], k['a'], k['b']),
              GD, 'ISSUE5(orange lfbn)')
for _ in range(3):
    add('static.vnpt.vn', ip4('113.160.0.0/11'), GS, 'ISSUE5(vnpt)')
for _ in range(4):
    instances(1, '88.198.0.0/16', lambda **k: 'static.%d.%d.%d.%d.clients.your-server.de' % (k['d'], k['c'], k['b'], k['a']),
              GS, 'ISSUE5(hetzner)')
for region in ['compute-1.amazonaws.com', 'us-west-2.compute.amazonaws.com', 'eu-west-1.compute.amazonaws.com']:
    instances(2, '3.64.0.0/10' if 'eu' in region else '3.80.0.0/12',
              lambda **k: 'ec2-%d-%d-%d-%d.%s' % (k['a'], k['b'], k['c'], k['d'], region), GU, 'AWS-EC2-DOCS')
for _ in range(4):
    ip = ip4('151.80.0.0/16')
    a, b, c, d = octets(ip)
    add('ns%d.ip-%d-%d-%d.eu' % (rng.randrange(3000000, 3999999), a, b, c), ip, GU, 'ISSUE5(ovh)')
for pfx in ['pl1', 'wr1', 'lf1', 'ej1', 'qk1', 'yb1', 'io1', 'oi1']:
    instances(1, '209.85.128.0/17', lambda **k: 'mail-%s-f%d.google.com' % (pfx, k['d']), ML, 'ISSUE5(google)')
for dc in ['dm6', 'bn8', 'co1', 'mw2', 'sn1', 'bl2']:
    instances(1, '40.107.0.0/16', lambda **k: 'mail-%snam%02don%d.outbound.protection.outlook.com' % (
        dc, k['r'].randrange(2, 12), k['r'].randrange(2000, 2300)), ML, 'ISSUE5(microsoft)')

# --- fqrdns.pcre: dynamic patterns (REJECT "Dynamic - Please relay via ISP") ---
FQ = 'FQRDNS(%s)'
dynamic_patterns = [
    ('{a}.{b}.{c}.{d}.dynamic.isp.telekom.rs', '178.220.0.0/14', 'telekom.rs'),
    ('{a}.{b}.{c}.{d}.broad.xw.sh.dynamic.163data.com.cn', '116.224.0.0/12', '163data.com.cn'),
    ('{a}-{b}-{c}-{d}-dynamic.albacom.net', '212.17.192.0/18', 'albacom.net'),
    ('{a}-{b}-{c}-{d}.dhcp.stls.mo.charter.com', '24.217.0.0/16', 'charter.com'),
    ('dynamic-{a}-{b}-{c}-{d}.dsl.cavtel.net', '69.60.0.0/16', 'cavtel.net'),
    ('ppp{a}-{b}-{c}-{d}.pppoe.avangarddsl.ru', '83.149.0.0/16', 'avangarddsl.ru'),
    ('{a}-{b}-{c}-{d}.dynamic.chello.pl', '89.78.0.0/15', 'chello.pl'),
    ('dhcp-{a}-{b}-{c}-{d}.bhfc.net', '66.94.0.0/16', 'bhfc.net'),
    ('c{hex}.dhcp.bluecom.no', '80.202.0.0/15', 'bluecom.no'),
    ('dynamicip-{a}-{b}-{c}-{d}.pppoe.perm.ertelecom.ru', '109.194.0.0/15', 'ertelecom.ru'),
    ('{a}.{b}.{c}.{d}.dyn.estpak.ee', '90.190.0.0/15', 'estpak.ee'),
    ('dyndsl-{pa}-{pb}-{pc}-{pd}.ewe-ip-backbone.de', '91.96.0.0/13', 'ewe-ip-backbone.de'),
    ('dinamic_adsl_{b}-{c}-{d}.emcali.net.co', '190.0.0.0/16', 'emcali.net.co'),
    ('ip-{a}-{b}-{c}-{d}.dynamic.eatel.net', '24.222.0.0/16', 'eatel.net'),
    ('adsl-{a}-{b}-{c}-{d}.dynamic.issr.ru', '95.28.0.0/16', 'issr.ru'),
    ('{a}.{b}.{c}.{d}.wireless.dyn.drei.com', '178.115.0.0/16', 'drei.com'),
    ('host-{a}-{b}-{c}-{d}.cable.dynamic.kbtelecom.net', '61.60.0.0/16', 'kbtelecom.net'),
    ('{a}.{b}.{c}.{d}.dialup.gvt.net.br', '187.112.0.0/12', 'gvt.net.br'),
    ('dialup-{a}.{b}.{c}.{d}.dial1.detroit1.level3.net', '4.224.0.0/12', 'level3.net'),
    ('{a}-{b}-{c}-{d}.dynamic-ip.hinet.net', '114.32.0.0/12', 'hinet.net'),
    ('pool-{a}-{b}-{c}-{d}.is74.ru', '109.248.0.0/16', 'is74.ru'),
    ('{a}.{b}.{c}.{d}.dynamic.snap.net.nz', '123.255.0.0/16', 'snap.net.nz'),
    ('dynamic-{a}-{b}-{c}-{d}.adsl.eunet.rs', '77.46.0.0/16', 'eunet.rs'),
    ('dynpool-{a}-{b}-{c}-{d}.adsl.magnet.ch', '178.82.0.0/16', 'magnet.ch'),
    ('dialip-{a}-{b}-{c}-{d}-gdl.marcanet.net.mx', '200.76.0.0/16', 'marcanet.net.mx'),
    ('{a}-{b}-{c}-{d}.dhcp.insightbb.com', '74.128.0.0/12', 'insightbb.com'),
]
static_patterns = [
    ('{a}.{b}.{c}.{d}.static.012.net.il', '212.199.0.0/16', '012.net.il'),
    ('{a}.{b}.{c}.{d}.sta.211.ru', '85.21.0.0/16', '211.ru'),
    ('static-{a}-{b}-{c}-{d}.acelerate.net', '216.241.0.0/18', 'acelerate.net'),
    ('{a}-{b}-{c}-{d}-static.albacom.net', '212.17.192.0/18', 'albacom.net'),
    ('{a}-{b}-{c}-{d}.ded.ameritech.net', '65.40.0.0/13', 'ameritech.net'),
    ('cpe-{a}-{b}-{c}-{d}.static.amis.net', '212.18.32.0/19', 'amis.net'),
    ('dialbs-{pa}-{pb}-{pc}-{pd}.static.arcor-ip.net', '82.82.0.0/15', 'arcor-ip.net'),
    ('{a}.{b}-{c}-{d}.adsl-static.isp.belgacom.be', '81.240.0.0/13', 'belgacom.be'),
    ('cpe-{a}-{b}-{c}-{d}.static.nsw.bigpond.net.au', '144.130.0.0/16', 'bigpond.net.au'),
    ('static-{a}-{b}-{c}-{d}.isp.broadviewnet.net', '216.9.0.0/16', 'broadviewnet.net'),
    ('{a}-{b}-{c}-{d}.static.cablecom.ch', '84.72.0.0/14', 'cablecom.ch'),
    ('{a}-{b}-{c}-{d}.static.stls.mo.charter.com', '24.172.0.0/15', 'charter.com'),
    ('{a}.{b}.{c}.{d}.static.gvt.net.br', '189.112.0.0/13', 'gvt.net.br'),
    ('static-ip-{a}-{b}-{c}-{d}.inaddr.intergenia.de', '87.106.0.0/16', 'intergenia.de'),
    ('{a}.{b}.{c}.{d}.static.jazztel.es', '87.216.0.0/14', 'jazztel.es'),
    ('ool-{hex}.static.optonline.net', '69.112.0.0/12', 'optonline.net'),
    ('port-{a}-{b}-{c}-{d}.static.qsc.de', '212.202.0.0/16', 'qsc.de'),
    ('{a}-{b}-{c}-{d}.dia.static.qwest.net', '65.112.0.0/12', 'qwest.net'),
    ('{d}.red-{a}-{b}-{c}.staticip.rima-tde.net', '80.24.0.0/13', 'rima-tde.net'),
    ('static-{a}-{b}-{c}-{d}.nycmny.fios.verizon.net', '96.224.0.0/11', 'verizon.net'),
    ('static.{a}-{b}-{c}-{d}.clients.your-server.de', '78.46.0.0/15', 'your-server.de'),
    ('{a}-{b}-{c}-{d}.static.tpgi.com.au', '203.26.0.0/16', 'tpgi.com.au'),
    ('h{a}.{b}.{c}.{d}.static.ip.windstream.net', '173.184.0.0/14', 'windstream.net'),
    ('{hex}.static.spo.virtua.com.br', '187.0.0.0/12', 'virtua.com.br'),
    ('host-{a}-{b}-{c}-{d}.static.telewest.net', '62.30.0.0/15', 'telewest.net'),
    ('{a}-{b}-{c}-{d}.static.twtelecom.net', '64.128.0.0/11', 'twtelecom.net'),
    ('static.customer-{a}-{b}-{c}-{d}.uninet-ide.com.mx', '201.116.0.0/14', 'uninet-ide.com.mx'),
    ('customer-{a}-{b}-{c}-{d}-sta.uninet-ide.com.mx', '201.116.0.0/14', 'uninet-ide.com.mx'),
    ('{a}.{b}.{c}.{d}.sta.estpak.ee', '90.190.0.0/15', 'estpak.ee'),
    ('mx-ll-{a}.{b}.{c}-{d}.static.3bb.co.th', '110.164.0.0/14', 'tttmaxnet.com pattern'),
    ('host{d}-{c}-static.{b}-{a}-b.business.telecomitalia.it', '79.60.0.0/14', 'telecomitalia.it'),
    ('static-{a}-{b}-{c}-{d}.dunaweb.hu', '84.236.0.0/16', 'dunaweb.hu'),
    ('{a}-{b}-{c}-{d}.static.speedy.com.ar', '200.117.0.0/16', 'speedy.com.ar'),
    ('ip-{a}-{b}-{c}-{d}.static.privatedns.com', '208.76.0.0/16', 'privatedns.com'),
]


def fill(pattern, ip):
    a, b, c, d = octets(ip)
    return pattern.format(a=a, b=b, c=c, d=d, pa=pad(a), pb=pad(b), pc=pad(c), pd=pad(d), hex=hex8(ip))


for pattern, prefix, isp in dynamic_patterns:
    for _ in range(2):
        ip = ip4(prefix)
        add(fill(pattern, ip), ip, GD, FQ % isp)
for pattern, prefix, isp in static_patterns:
    for _ in range(2):
        ip = ip4(prefix)
        add(fill(pattern, ip), ip, GS, 'FQRDNS-PLUS(%s)' % isp)

# --- IPv6 ---
def ip6(prefix):
    net = ipaddress.ip_network(prefix)
    return ipaddress.ip_address(int(net.network_address) + rng.randrange(1, 2**64))


for _ in range(4):
    ip = ip6('2001:4c48::/32')
    add('%s.access.pool.telekom.hu' % ip.exploded.replace(':', ''), ip, GD, 'TELEKOM-HU-V6')
for _ in range(2):
    ip = ip6('2001:db8:300::/48')
    add('%s.customer.example.net' % ip.exploded.replace(':', ''), ip, GD, 'COREDNS-AUTO-IPV6(+SA "customer")')
for _ in range(2):
    ip = ip6('2001:db8:42::/48')
    add('%s.example.net' % ip.exploded.replace(':', ''), ip, GU, 'COREDNS-AUTO-IPV6')
for _ in range(2):
    ip = ip6('2001:db8:77::/48')
    add('%s.dyn.example.net' % ip.reverse_pointer.replace('.ip6.arpa', ''), ip, GD,
        'RFC8501(generated names)+SA-DYNRDNS(__RDNS_INDICATOR_DYN)')
for _ in range(3):
    ip = ip6('2001:db8:900::/48')
    groups = [('%x' % int(g, 16)) for g in ip.exploded.split(':')]
    add('%s.dynamic.example.net' % '-'.join(groups), ip, GD,
        'RFC8501(generated names)+SA-DYNRDNS(__RDNS_INDICATOR_DYN)')
for _ in range(2):
    ip = ip6('2001:db8:a00::/48')
    add('%s.static.example.net' % ip.exploded.replace(':', '-'), ip, GS,
        'RFC8501(generated names)+SA-DYNRDNS(__RDNS_STATIC)')

# --- Encodings the issue lists, instantiated (no public example to quote) ---
import base64
for _ in range(2):
    ip = ip4('198.51.100.0/24')
    add('ip-%d.example.net' % int(ip), ip, GU, 'ISSUE5(encoding: 32-bit integer)')
for _ in range(2):
    ip = ip4('203.0.113.0/24')
    add('h-%s.example.net' % base64.b32encode(ip.packed).decode().lower().rstrip('='), ip, GU,
        'ISSUE5(encoding: base-32)+RFC4648')
for _ in range(2):
    ip = ip4('192.0.2.0/24')
    a, b, c, d = octets(ip)
    add('host%s.dsl.example.net' % ''.join(pad(o) for o in (a, b, c, d)), ip, GD,
        'ISSUE5(encoding: concatenated)+SA-DYNRDNS(__RDNS_INDICATOR_TYPE "dsl")')

# --- Cloud and hosting defaults: generated, no allocation word ---
for _ in range(3):
    ip = ip4('34.64.0.0/10')
    a, b, c, d = octets(ip)
    add('%d.%d.%d.%d.bc.googleusercontent.com' % (d, c, b, a), ip, GU, 'OBSERVED(google cloud)')
for _ in range(2):
    ip = ip4('45.76.0.0/15')
    add('%s.vultrusercontent.com' % ip, ip, GU, 'OBSERVED(vultr)')
for _ in range(2):
    ip = ip4('172.104.0.0/15')
    add('%s.ip.linodeusercontent.com' % str(ip).replace('.', '-'), ip, GU, 'OBSERVED(linode)')
for _ in range(2):
    ip = ip4('163.172.0.0/16')
    add('%s.rev.poneytelecom.eu' % str(ip).replace('.', '-'), ip, GU, 'OBSERVED(online.net)')

# --- Mail: operators naming their mail hosts (CBL: "mail01.examplecustomer.com") ---
for _ in range(4):
    ip = ip4('54.240.0.0/18')
    a, b, c, d = octets(ip)
    add('%s%d-%d.smtp-out.amazonses.com' % (rng.choice('abe'), c, d), ip, ML, 'OBSERVED(amazon ses)')
mail_names = [
    'mx1.example.com', 'mx2.example.com', 'mx.example.org', 'smtp.example.net', 'mail.example.co.uk',
    'mta1.example.de', 'relay.example.fr', 'outbound.example.io', 'smtp01.corp.example',
    'mail2019.example.org', 'mx-in-1.example.com', 'mailout3.example.net', 'smtp-out-2.example.com',
    'mail.poolside-hotel.example', 'mx01.mail.example.ch', 'smtp2.hosting.example.nl',
    'relay-eu-1.example.net', 'mta-07.news.example.com', 'mailgw.example.at', 'mxout1.example.be',
    'email.example.com.au', 'mailrelay.example.se', 'mail-a.example.pl', 'smtpout.example.cz',
    'outbound-mail-3.example.jp', 'mx10.example.com.br', 'mailhost.example.edu',
    'mailer1.news.example.com', 'mail.dynamics-consulting.example', 'smtp.static-assets.example.com',
]
for name in mail_names:
    ip = ip4('198.51.100.0/24') if rng.random() < 0.5 else ip4('203.0.113.0/24')
    if name.startswith('mail2019'):
        ip = ipaddress.ip_address('198.51.20.19')  # a year that looks like the last two octets
    add(name, ip, ML, 'CBL-GENERIC+ISSUE5(mail tokens)')
for _ in range(3):
    ip = ip4('192.0.2.0/24')
    a, b, c, d = octets(ip)
    add('mta-%d-%d-%d-%d.esp.example.net' % (a, b, c, d), ip, ML, 'ISSUE5(precedence: IP + mail role)')

# --- Custom: chosen names, digits included, words that contain keywords ---
custom_names = [
    'www.example.com', 'server1.example.com', 'host1234.example.net', 'gw.example.org',
    'ns1.example.net', 'vpn.example.com', 'fw01.example.org', 'poolside-hotel.example',
    'reception.poolside-hotel.example', 'web-01.prod.example.com', 'db3.example.io',
    'home.example.com', 'mobile.example.com', 'dynamics365.example.com', 'staticfiles.example.net',
    'cable-guy.example', 'customer-portal.example.com', 'client-vpn.example.com',
    'pop3.example.com', 'imap.example.com', 'office-2019.example.com', 'router.example.net',
    'example-corp.com', 'generaldynamics.com', 'dsl-info.example', 'pooltable.example.org',
    'app42.example.co.uk', 'k8s-node-7.example.net', 'hotel-static-display.example',
    'lab3.cs.example.edu', 'printer-2f.example.org', 'nas.example.home-office.example',
]
for name in custom_names:
    add(name, ip4('198.51.100.0/24'), CU, 'ISSUE5(tricky negatives)')
# Another host's generic name: the address in the name is not this one.
# README.md, "Another host's address": the address is no evidence for this IP,
# the name's words decide as for any name that does not spell the IP.
for fmt in ['c-{a}-{b}-{c}-{d}.hsd1.ca.comcast.net', 'ec2-{a}-{b}-{c}-{d}.compute-1.amazonaws.com',
            '{a}-{b}-{c}-{d}.example.net']:
    named = ip4('73.0.0.0/8')
    add(fill(fmt, named), ip4('192.0.2.0/24'), CU, 'ISSUE5(different IP)')
for fmt, cls in [('{a}-{b}-{c}-{d}.dynamic.example.net', GD), ('static-{a}-{b}-{c}-{d}.example.net', GS),
                 ('pool-{a}-{b}-{c}-{d}.lsanca.fios.verizon.net', GD)]:
    add(fill(fmt, ip4('73.0.0.0/8')), ip4('192.0.2.0/24'), cls, 'ISSUE5(different IP; the words still speak)')
# A custom name whose numbers happen to be the address's last two octets.
add('build-10-12.ci.example.com', '198.51.10.12', CU, 'ISSUE5(tricky negatives: coincidence)')

# --- Invalid: not a host name a PTR may point to ---
for _ in range(3):
    ip = ip4('198.51.100.0/24')
    add(str(ip), ip, IV, 'RFC3696(all-numeric TLD: address literal)')
for _ in range(3):
    ip = ip4('203.0.113.0/24')
    add(ip.reverse_pointer, ip, IV, 'RFC1035(in-addr.arpa is not a host)')
ip = ip6('2001:db8:1::/48')
add(ip.reverse_pointer, ip, IV, 'RFC3596(ip6.arpa is not a host)')
for name in ['localhost', 'localhost.localdomain']:
    add(name, ip4('198.51.100.0/24'), IV, 'RFC6761(localhost)')
for name in ['mailserver', 'dsldevice', '-mx1.example.com', 'mx1-.example.com', 'mail..example.com',
             'host name.example.com']:
    add(name, ip4('203.0.113.0/24'), IV, 'RFC1123(host name syntax)')

# --- None: no PTR at all ---
for _ in range(5):
    add('', ip4('192.0.2.0/24'), NO, 'DESIGN(rdns.class none)')

# =====================================================================
# Issue 16 item 6: more naming schemes. A separate generator so the rows
# above stay exactly as they were. Addresses: the quoted one where the
# source quotes it; otherwise a random address from the whole unicast IPv4
# space (placeholder, not the provider's own range: the classifier only
# compares the name with the address, never the address with the provider).
# =====================================================================
rng2 = random.Random(16)  # issue #16


def any4():
    while True:
        a = rng2.randrange(1, 224)
        if a not in (10, 127):
            return ipaddress.ip_address('%d.%d.%d.%d' % (a, rng2.randrange(0, 256), rng2.randrange(0, 256),
                                                          rng2.randrange(1, 255)))


def fill2(pattern, ip, **extra):
    a, b, c, d = octets(ip)
    return pattern.format(a=a, b=b, c=c, d=d, pa=pad(a), pb=pad(b), pc=pad(c), pd=pad(d), hex=hex8(ip),
                          n=rng2.randrange(100000, 999999999), **extra)


def patterns(rows_in, cls, source_fmt, n=2):
    for pattern, tag in rows_in:
        for _ in range(n):
            ip = any4()
            add(fill2(pattern, ip), ip, cls, source_fmt % tag)


# --- SpamAssassin 20_dynrdns.cf: the other host names its comments quote ---
for name, ip in [
        ('bgp542174bgs.ewndsr01.nj.comcast.net', '68.38.144.91'),
        ('computer-udp135632uds.union01.nj.comcast.net', '68.39.99.32'),
        ('cm-anto1-98-153.cm.vtr.net', '200.104.98.153'),
        ('tn-greenvillecuda1cable7a-36.atlaga.adelphia.net', '68.171.113.36'),
        ('ky-richmond2a-123.rhmdky.adelphia.net', '68.71.36.123'),
        ('ny-lackawannacadent4-chtwga3a-b-117.buf.adelphia.net', '68.71.205.117'),
        ('fl-edel-u2-c3c-233.pbc.adelphia.net', '68.64.89.233'),
        ('0x50a46949.virnxx11.adsl-dhcp.tele.dk', '80.164.105.73'),
]:
    add(name, ip, GD, 'SA-DYNRDNS(quoted example)')
# Quoted without an address: any address fits (none of these spells one).
for name in ['node-c-8b22.a2000.nl', 'cm114.gamma208.maxonline.com.sg', 'h53n2fls32o828.telia.com',
             'h116n2fls32o1111.telia.com', 'h29n1fls306o1003.telia.com', 'g225174.upc-g.chello.nl',
             'a151145.upc-a.chello.nl', 'a96134.upc-a.chello.nl',
             'spr1-bolt5-5-0-cust9.manc.broadband.ntl.com', 'spc1-lewi4-6-0-cust190.lond.broadband.ntl.com',
             'cp341468-b.venra1.lb.home.nl', 'nwblwi-nrp3-l10-a671.nwblwi.tds.net',
             'sp1-c700-131.spacelan.ne.jp', 'i253064.ppp.asahi-net.or.jp', 'w158034.ppp.asahi-net.or.jp',
             'cpe0004e2372711-cm000a73666706.cpe.net.cable.rogers.com']:
    add(name, any4(), GD, 'SA-DYNRDNS(quoted example)')

# --- fqrdns.pcre, "Dynamic - Please relay via ISP": patterns not used above ---
patterns([
    ('{a}-{b}-{c}-{d}-dhcp.stc.pa.atlanticbb.net', 'atlanticbb.net'),
    ('r{a}-{b}-{c}-{d}.dialup.adsl.anteldata.net.uy', 'anteldata.net.uy'),
    ('dynamic.ip.{a}.{b}.{c}.{d}.batelco.com.bh', 'batelco.com.bh'),
    ('{a}-{b}-{c}-{d}.ddns.cablebg.net', 'cablebg.net'),
    ('cm-{a}-{b}-{c}-{d}.cpe-dynamic.cableonda.net', 'cableonda.net'),
    ('doc-{a}-{b}-{c}-{d}.tylertx.tx.cebridge.net', 'cebridge.net'),
    ('{a}-{b}-{c}-{d}.dial.dyn.comporium.net', 'comporium.net'),
    ('din-{a}-{b}-{c}-{d}.ipcom.comunitel.net', 'comunitel.net'),
    ('dhcp{c}-{d}.cable.conwaycorp.net', 'conwaycorp.net'),
    ('dial-up-{a}.{b}.{c}.{d}.cotas.com.bo', 'cotas.com.bo'),
    ('dynamic-ip-adsl-{a}.{b}.{c}.{d}.cotas.com.bo', 'cotas.com.bo'),
    ('{a}-{pb}-{pc}-{pd}.xdsl-dinamico.ctbcnetsuper.com.br', 'ctbcnetsuper.com.br'),
    ('{a}.{b}.{c}.{d}.adsl.dyn.edpnet.net', 'edpnet.net'),
    ('{a}-{b}-{c}-{d}-dynamic.b-ras1.lmk.limerick.eircom.net', 'eircom.net'),
    ('tx-{a}-{b}-{c}-{d}.dhcp.embarqhsd.net', 'embarqhsd.net'),
    ('{a}-{b}-{c}-{d}.ubr2.dyn.fairfield-oh.fuse.net', 'fuse.net'),
    ('{a}.{b}.{c}.{d}.dyn-cm-pool12.pool.hargray.net', 'hargray.net'),
    ('host{a}.{b}.{c}.{d}.dynamic.ifxnw.cl', 'ifxnw.cl'),
    ('{a}-{b}-{c}-{d}.dynamic.xdsl-line.inode.at', 'inode.at'),
    ('{a}-{b}-{c}-{d}.dhcp-ripwave.irishbroadband.ie', 'irishbroadband.ie'),
    ('pppoe-dyn-{a}-{b}-{c}-{d}.kosnet.ru', 'kosnet.ru'),
    ('ppp-{a}-{b}-{c}-{d}.dynamic.mnet-online.de', 'mnet-online.de'),
    ('dyn{a}-{b}-{c}-{d}.adsl.mnsi.net', 'mnsi.net'),
    ('ppp{a}-{b}-{c}-{d}.pppoe.mtu-net.ru', 'mtu-net.ru'),
    ('pppoe{n}.mv.ru', 'mv.ru'),
    ('dyn-{b}-{c}-{d}.myactv.net', 'myactv.net'),
    ('{a}.{b}.{c}.{d}.nat.umts.dynamic.t-mobile.pl', 't-mobile.pl'),
    ('{a}-{b}-{c}-{d}.dynamic.eastex.net', 'eastex.net'),
    ('home-pool-{c}-{d}.com2com.ru', 'com2com.ru'),
    ('dynamic-{a}-{b}-{c}-{d}.ssp.dialog.net.pl', 'dialog.net.pl'),
    ('{a}-{b}-{c}-{d}.dynamic.giga.net.tw', 'giga.net.tw'),
    ('dialup-{a}.{b}.{c}.{d}.dial1.chicago1.level3.net', 'level3.net'),
], GD, 'FQRDNS(%s)')
# fqrdns.pcre "Generic - Please relay via ISP" (end-user space, no allocation
# word in the pattern itself). Labelled generic-dynamic when the pattern names
# an end-user access medium or subscriber (dsl, adsl, cable, cm, user,
# customer, res, mobile, wlan/wifi), per the class definitions in README.md.
patterns([
    ('aolclient-{a}-{b}-{c}-{d}.aol.tx.res.rr.com', 'rr.com'),
    ('{a}.{b}.{c}.{d}.cable.012.net.il', '012.net.il'),
    ('{a}.{b}.{c}.{d}.adsl.012.net.il', '012.net.il'),
    ('cm{a}-{b}-{c}-{d}.hkcable.com.hk', 'hkcable.com.hk'),
    ('user-{a}-{b}-{c}-{d}.play-internet.pl', 'play-internet.pl'),
    ('mobile-{pa}-{pb}-{pc}-{pd}.mycingular.net', 'mycingular.net'),
    ('{a}-{b}-{c}-{d}-wlan.lpnet.com.br', 'lpnet.com.br'),
    ('dsl-{a}-{b}-{c}-{d}.acanac.net', 'acanac.net'),
    ('adsl-{a}-{b}-{c}-{d}.dsl.chcgil.ameritech.net', 'ameritech.net'),
    ('ppp-{a}-{b}-{c}-{d}.dsl.chcgil.ameritech.net', 'ameritech.net'),
    ('{a}-{b}-{c}-{d}.dsl.alice.nl', 'alice.nl'),
    ('ip-{a}-{b}-{c}-{d}.cablemodem.amnethn.com', 'amnethn.com'),
    ('dslb-{pa}-{pb}-{pc}-{pd}.pools.arcor-ip.net', 'arcor-ip.net'),
    ('{hex}.dslaccess.aol.com', 'aol.com'),
    ('host-{a}-{b}-{c}-{d}.customer.arminco.com', 'arminco.com'),
    ('{a}.{b}.{c}.{d}.user.ajato.com.br', 'ajato.com.br'),
    ('{a}.{b}.{c}.{d}.customer.7starnet.com', '7starnet.com'),
    ('{a}.{b}.{c}.{d}.pool.ahol.hu', 'ahol.hu'),
    ('{a}-{b}-{c}-{d}.xdsl.ab.ru', 'ab.ru'),
    ('host.{a}.{b}.{c}.{d}.users.almus.net', 'almus.net'),
    ('adsl-{a}-{b}-{c}-{d}.monradsl.monornet.hu', 'monornet.hu'),
    ('adsl-{a}-{b}-{c}-{d}.adslplus.ch', 'adslplus.ch'),
], GD, 'FQRDNS(generic: %s)')
# The same section without any such word: generated, nothing said about the
# allocation -> generic-unspecified (as AWS, OVH, Google Cloud above).
patterns([
    ('{a}-{b}-{c}-{d}.reverse.9tel.net', '9tel.net'),
    ('ip-{a}-{b}-{c}-{d}.net.abissnet.al', 'abissnet.al'),
    ('{a}.{b}.{c}.{d}.accesskenya.com', 'accesskenya.com'),
    ('{a}-{b}-{c}-{d}.accessus.net', 'accessus.net'),
    ('host-{a}-{b}-{c}-{d}.acelerate.net', 'acelerate.net'),
    ('noname-{a}.{b}.{c}.{d}.acn.gr', 'acn.gr'),
    ('{a}-{b}-{c}-{d}.ip.adam.com.au', 'adam.com.au'),
    ('{b}-{c}-{d}.ip.adsl.hu', 'adsl.hu'),
    ('host-{a}-{b}-{c}-{d}.afnet.net', 'afnet.net'),
    ('{a}.{b}.{c}.{d}.ip.airbites.pl', 'airbites.pl'),
    ('{a}-{b}-{c}-{d}.red-acceso.airtel.net', 'airtel.net'),
    ('host-{a}-{b}-{c}-{d}.block.alestra.net.mx', 'alestra.net.mx'),
    ('h{a}.{b}.{c}.{d}.ip.alltel.net', 'alltel.net'),
    ('host-{a}-{b}-{c}-{d}.allegiance.tv', 'allegiance.tv'),
    ('m{a}-{b}-{c}-{d}.andorpac.ad', 'andorpac.ad'),
    ('ip-{a}-{b}-{c}-{d}.anet.lt', 'anet.lt'),
    ('{a}-{b}-{c}-{d}.ip.netia.com.pl', 'netia.com.pl'),
    ('host{a}.{b}.{c}.{d}.conversent.net', 'conversent.net'),
    ('host-{a}-{b}-{c}-{d}.nettelecom.ro', 'nettelecom.ro'),
    ('{a}-{b}-{c}-{d}.spectrumnet.bg', 'spectrumnet.bg'),
    ('{a}-{b}-{c}-{d}.stream.uz', 'stream.uz'),
    ('ip-{a}-{b}-{c}-{d}.unitymediagroup.de', 'unitymediagroup.de'),
    ('{a}-{b}-{c}-{d}.serverpronto.com', 'serverpronto.com'),
], GU, 'FQRDNS(generic: %s)')
# The misses (ISSUE16): names from public guides, its labels.
add('147-128-89-200.fibertel.com.ar', '200.89.128.147', GU, 'ISSUE16(naming misses)+SA-DYNRDNS(fibertel comment)')
ip = any4()
add('ip%d-%d.bacs-net.hu' % (octets(ip)[2], octets(ip)[3]), ip, GU, 'ISSUE16(naming misses)')
add('bc96169.bendcable.com', any4(), CU, 'ISSUE16(naming misses)')
# Nmap's fcrdns documentation, its PASS example.
add('37.58.100.86-static.reverse.softlayer.com', '37.58.100.86', GS, 'NMAP-FCRDNS(example output)')

# --- fqrdns-plus.pcre static.regexp: patterns not used above ---
patterns([
    ('static{a}-{b}-{c}-{d}.regina.accesscomm.ca', 'accesscomm.ca'),
    ('dsl-kk-static-{a}.{b}.{c}.{d}.airtelbroadband.in', 'airtelbroadband.in'),
    ('{a}.{b}.{c}.{d}.static-user.ajato.com.br', 'ajato.com.br'),
    ('{a}-{b}-{c}-{d}.static-corp.ajato.com.br', 'ajato.com.br'),
    ('{c}-{d}.static.alkar.net', 'alkar.net'),
    ('{a}-{b}-{c}-{d}.static.asianet.co.th', 'asianet.co.th'),
    ('bzq-{b}-{c}-{d}.static.bezeqint.net', 'bezeqint.net'),
    ('static-ip-cr{n}.cable.net.co', 'cable.net.co'),
    ('static-{a}-{b}-{c}-{d}.caucasus.net', 'caucasus.net'),
    ('static-{a}-{b}-{c}-{d}.t1.cavtel.net', 'cavtel.net'),
    ('static-{a}-{b}-{c}-{d}.ipcom.comunitel.net', 'comunitel.net'),
    ('{pa}-{pb}-{pc}-{pd}.static.ctbctelecom.com.br', 'ctbctelecom.com.br'),
    ('cust.static.{a}-{b}-{c}-{d}.cybernet.ch', 'cybernet.ch'),
    ('stat-{c}-{d}.e-sky.ru', 'e-sky.ru'),
    ('host-{a}-{b}-{c}-{d}.sta.embarqnow.net', 'embarqnow.net'),
    ('static-adsl{a}-{b}-{c}-{d}.une.net.co', 'une.net.co'),
    ('corporat{a}-{n}.sta.etb.net.co', 'etb.net.co'),
    ('{a}-{b}-{c}-{d}.static.everestkc.net', 'everestkc.net'),
    ('{a}-{b}-{c}-{d}.adsl.static.giga.net.tw', 'giga.net.tw'),
    ('{a}.{b}.{c}.{d}.static.hargray.net', 'hargray.net'),
    ('static{pa}{pb}{pc}{pd}.dsl.hol.gr', 'hol.gr'),
    ('{a}.{b}.{c}.{d}.sta.idknet.com', 'idknet.com'),
    ('ic-corporativo-{a}-{b}-{c}-{d}.intercable.net.co', 'intercable.net.co'),
    ('static-host.{a}-{b}-{c}-{d}.kgts.ru', 'kgts.ru'),
    ('reverse.{a}.{b}.{c}.{d}.static.ldmi.com', 'ldmi.com'),
    ('{a}-{b}-{c}-{d}.static.client.mchsi.com', 'mchsi.com'),
    ('{a}-{b}-{c}-{d}.adsl.sta.mcn.ru', 'mcn.ru'),
    ('host-static-{a}-{b}-{c}-{d}.moldtelecom.md', 'moldtelecom.md'),
    ('lgb-static-{a}.{b}.{c}.{d}.mpowercom.net', 'mpowercom.net'),
    ('{a}-{b}-{c}-{d}.staticnet.ngi.it', 'ngi.it'),
    ('{a}.{b}.{c}.{d}.static.user.ono.com', 'ono.com'),
    ('{a}.{b}.{c}.{d}.sta.prodatanet.com.ph', 'prodatanet.com.ph'),
    ('host-{a}.{b}.{c}.{d}-static.tedata.net', 'tedata.net'),
    ('bip-static-{a}.{b}-{c}-{d}.telecom.sk', 'telecom.sk'),
    ('tm.{a}.{b}.{c}.{d}.dc.cable.static.telemach.net', 'telemach.net'),
    ('{a}-{b}-{c}-{d}.static-ip.telepacific.net', 'telepacific.net'),
    ('{a}-{b}-{c}.adsl-static.tie.cl', 'tie.cl'),
    ('static-{a}-{b}-{c}-{d}.bdsl.verizon.net', 'verizon.net'),
    ('ip{a}-{b}-{c}-{d}.adsl.static.versatel.nl', 'versatel.nl'),
    ('fa{c}.{d}.fix-addr.vsi.ru', 'vsi.ru'),
    ('{a}.{b}.{c}.{d}.static-mumbai.vsnl.net.in', 'vsnl.net.in'),
], GS, 'FQRDNS-PLUS(%s)')
# fqrdns-plus generic.regexp: Spectrum Business "rrcs-…biz.rr.com" and Cox
# Business "wsip-…cox.net" (business static service: ISSUE16's static terms
# "biz" and "wsip"); Comcast Business "…hfc.comcastbusiness.net".
patterns([
    ('rrcs-{a}-{b}-{c}-{d}.west.biz.rr.com', 'generic.regexp rr.com'),
    ('rrcs-{a}-{b}-{c}-{d}.central.biz.rr.com', 'generic.regexp rr.com'),
    ('wsip-{a}-{b}-{c}-{d}.ph.ph.cox.net', 'generic.regexp cox.net'),
    ('wsip-{a}-{b}-{c}-{d}.dc.dc.cox.net', 'generic.regexp cox.net'),
    ('{a}-{b}-{c}-{d}-static.hfc.comcastbusiness.net', 'static.regexp comcastbusiness.net'),
], GS, 'FQRDNS-PLUS(%s)+ISSUE16(static terms)')
# ISSUE16's other static terms with no provider example found: invented, on
# example domains.
patterns([
    ('{a}-{b}-{c}-{d}.bus.example.net', 'bus'),
    ('bus-{a}-{b}-{c}-{d}.example.com', 'bus'),
    ('perm-{a}-{b}-{c}-{d}.example.org', 'perm'),
    ('{d}.{c}.{b}.{a}.perm.example.net', 'perm'),
    ('biz-{a}-{b}-{c}-{d}.example.co.uk', 'biz'),
], GS, 'ISSUE16(static term %s; invented name)')
# Access media the brief names (fibre, mobile, CGNAT): invented, on example
# domains; RFC 6598 for shared (CGNAT) space.
patterns([
    ('ftth-{a}-{b}-{c}-{d}.example.net', 'ftth'),
    ('{a}-{b}-{c}-{d}.fiber.example.com', 'fiber'),
    ('fibre-{d}-{c}-{b}-{a}.example.co.uk', 'fibre'),
    ('{a}-{b}-{c}-{d}.mobile.example.org', 'mobile'),
    ('lte-{a}-{b}-{c}-{d}.example.de', 'lte'),
    ('cgnat-{a}-{b}-{c}-{d}.example.net', 'cgnat'),
], GD, 'ISSUE16(access medium %s; invented name)+SA-DYNRDNS(__RDNS_INDICATOR_TYPE)')

# --- Mail: more fleets. Provider defaults seen in public mail headers ---
for _ in range(3):
    ip = any4()
    add('mail-sor-f%d.google.com' % octets(ip)[3], ip, ML, 'OBSERVED(google)')
for _ in range(3):
    ip = any4()
    add('mail-%d.protonmail.ch' % rng2.randrange(4000, 41000), ip, ML, 'OBSERVED(protonmail)')
for dc in ['gq1', 'bf2', 'ne1']:
    ip = any4()
    add('sonic%d-%d.consmr.mail.%s.yahoo.com' % (rng2.randrange(300, 330), rng2.randrange(1, 40), dc), ip, ML,
        'OBSERVED(yahoo)')
for _ in range(3):
    ip = any4()
    add('mail%d.atl%d.mcdlv.net' % (rng2.randrange(1, 300), rng2.randrange(1, 300)), ip, ML, 'OBSERVED(mailchimp)')
for region in ['us-east-2', 'eu-west-1', 'us-west-2']:
    ip = any4()
    a, b, c, d = octets(ip)
    add('e%d-%d.smtp-out.%s.amazonses.com' % (c, d, region), ip, ML, 'OBSERVED(amazon ses)')
# CBL-GENERIC's advice ("mail01.yourdomain.com"), invented on example domains,
# in more shapes than above; some carry the address next to the mail word.
mail_names2 = [
    'mail01.example.org', 'mail-out-4.example.com', 'smtp-relay1.example.net', 'mx-backup.example.org',
    'mailgw02.example.de', 'out1.smtp.example.com', 'mx3.mail.example.fr', 'relay2.example.ch',
    'mta5.mail.example.net', 'smtpout-eu-1.example.io', 'mailout.mx.example.se', 'mx-01.example.nl',
    'mailhost2.example.edu', 'smtp.mail.example.jp', 'mx0a.example.com', 'outbound-relay-3.example.co.uk',
    'mailer-02.example.it', 'smtp3.example.es', 'mx.mail.example.dk', 'email-gw.example.no',
]
for name in mail_names2:
    add(name, any4(), ML, 'CBL-GENERIC(mail01.yourdomain.com; invented name)')
patterns([
    ('mail-{a}-{b}-{c}-{d}.example.net', 'IP + mail role'),
    ('smtp{d}.{c}.example.com', 'IP + mail role'),
    ('mx-{d}-{c}-{b}-{a}.example.org', 'IP + mail role'),
    ('outbound-{a}-{b}-{c}-{d}.example.de', 'IP + mail role'),
], ML, 'ISSUE5(precedence: %s; invented name)')

# --- Custom: chosen names around the new words, and hosts numbered not by IP ---
custom_names2 = [
    'bus-depot.example.com', 'schoolbus.example.org', 'bus.example.net', 'biz.example.org',
    'biz-portal.example.com', 'perm.example.net', 'perm-office.example.org', 'wsip.example.com',
    'fiber-optics.example.com', 'mobile-app.example.net', 'res.example.edu', 'cust-portal.example.com',
    'client-7.example.org', 'host-42.example.net', 'host7.example.com', 'pool-party.example.com',
    'dynamic-pricing.example.com', 'static-site.example.org', 'dsl-help.example.net',
    'cable-tv.example.com', 'ppp-support.example.org', 'lte-lab.example.de', 'ftth-info.example.fr',
    'cgnat-docs.example.net', 'build-agent-3.example.io', 'k8s-master-1.example.com', 'ci-runner-12.example.net',
    'sftp.example.org', 'monitor-01.example.net', 'backup3.example.de', 'git.example.com', 'jenkins.example.org',
    'portal.example.ch', 'office-router.example.at', 'shop.example.co.uk', 'api-2.example.io',
]
for name in custom_names2:
    add(name, any4(), CU, 'ISSUE16(tricky negatives; invented name)')

print('# Labelled rDNS names for the ptrscan naming classifier; see README.md.')
print('# Generated by generate_names.py (deterministic). name\tip\tclass\tsource')
for r in rows:
    print('\t'.join(r))
