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

print('# Labelled rDNS names for the ptrscan naming classifier; see README.md.')
print('# Generated by generate_names.py (deterministic). name\tip\tclass\tsource')
for r in rows:
    print('\t'.join(r))
