"""Hypothesis strategies for CloudFront standard logs and CMCD strings, usual and odd.

The columnar parsers must agree with the row parsers on anything a file may hold, so these draw
mostly realistic values with a steady share of edge cases: IPv6 in every spelling, numbers that are
almost numbers, dates that almost exist, URL escapes that are not UTF-8, CMCD that only the full
structured-field reader understands, truncated and extended lines, garbage, and `#Fields` changes.
"""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import strategies as st

from streamqoe.ingest.cloudfront import STANDARD_FIELDS
from streamqoe.ingest.cmcd import encode_cmcd

IPS = st.sampled_from(
    [
        "192.0.2.100", "198.51.100.7", "0.0.0.0", "255.255.255.255", "10.0.0.01", "1.2.3.256",
        "1.2.3", " 192.0.2.1", "unknown", "-", "",
        "2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:DB8:0:0:1::1", "2001:db8::", "2001::1",
        "0:0:0:0:0:ffff:102:304", "::ffff:192.0.2.33", "::1", "::", "0:0:0::1", "0:0:1::",
        "0:1:0::", "fe80::1%eth0", "[2001:db8::1]", "2001:db8:0:1:2:3:4:5", "2001:0db8:0000::",
        "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:8:9", "1:2:3::4::5", "2001:db8:1:2:3:4:1.2.3.4",
        "12345::1", "2001:db8:a:b::", "0:0:0:0:0:0:0:0", "1:0:0::", "abcd:ef01:2345:6789::",
    ]
)  # fmt: skip
INTS = st.one_of(
    st.integers(0, 10**7).map(str),
    st.sampled_from(["-", "", "0", "007", "12a", "-1", "+5", "1.0", "9" * 18, "9" * 19, "٣"]),
)
SECONDS = st.one_of(
    st.builds(
        lambda i, f: f"{i}.{f}" if f else str(i),
        st.integers(0, 999_999_999),
        st.sampled_from(["", "0", "5", "05", "412", "999", "001", "1234"]),
    ),
    st.sampled_from(["-", "", "1.", ".5", "1e3", "nan", "inf", "1_0", "0x1", " 1", "1234567890.1"]),
)
DATES = st.sampled_from(
    ["2019-12-04", "2020-02-29", "2019-02-29", "2019-13-01", "0000-01-01", "2019-1-04", "-"]
)
TIMES = st.sampled_from(["21:02:31", "00:00:00", "23:59:59", "24:00:00", "23:59:60", "1:02:31"])
STATUSES = st.sampled_from(["200", "206", "000", "304", "404", "999", "1000", "-", "20x", "0200"])
RESULTS = st.sampled_from(
    ["Hit", "Miss", "RefreshHit", "OriginShieldHit", "Error", "LimitExceeded", "CapacityExceeded",
     "Redirect", "ClientHungUpRequest", "-", "x" * 70]
)  # fmt: skip
AGENTS = st.sampled_from(
    [
        "Mozilla/5.0%20(X11;%20Linux%20x86_64)", "Mozilla/5.0%2520(Windows%2520NT%252010.0)",
        "curl/8.4.0", "-", "a+b", "bad%zz%2", "not-utf8%ff", "100%25%2520done", "%25ff",
        "caf%C3%A9%20bot", "é%20x", "x" * 2100,
    ]
)  # fmt: skip
PATHS = st.sampled_from(
    ["/index.html", "/vod/master%20v2.m3u8", "/a%C3%A9", "/bad%e9", "/%zz", "-", "/" + "p" * 8200]
)
REFERERS = st.sampled_from(["-", "https://player.example.com/", "https%3A%2F%2Fx%2F%e9", "%2541"])
METHODS = st.sampled_from(["GET", "HEAD", "POST", "-", "PROPFINDVERYLONGMETHOD"])
POPS = st.sampled_from(["LAX1", "FRA56-P1", "-", "P" * 65])

_CMCD_VALUES = {
    "br": st.integers(0, 50_000),
    "bl": st.integers(0, 60_000),
    "d": st.integers(0, 10_000),
    "mtp": st.integers(0, 100_000),
    "tb": st.integers(0, 20_000),
    "ltc": st.integers(-5_000, 5_000),
    "pr": st.sampled_from([1.0, 1.08, 0.5, 2.0, 1.25]),
    "bs": st.booleans(),
    "su": st.booleans(),
    "ot": st.sampled_from(["v", "a", "m", "av", "i"]),
    "sf": st.sampled_from(["d", "h", "s", "o"]),
    "st": st.sampled_from(["v", "l", "ll"]),
    "sid": st.text("abcdef0123456789-", min_size=1, max_size=40),
    "cid": st.text("abcdefgh-_.:/ ;", max_size=20),
    "nor": st.sampled_from(["..%2F300kbps%2Ftrack.m4v", "seg_2.m4s"]),
    "v": st.sampled_from([1, 2]),
}
CMCD_DICTS = st.fixed_dictionaries({}, optional=_CMCD_VALUES)
ODD_CMCD = st.sampled_from(
    [
        "br=(3200 800),sid=\"s\"", "ec=(\"A\" \"B\")", "com.example-hdr=pq,br=1", "br=1,br=2",
        "br=\"3200\"", "sid=abc", "bs=1", "bs=?0", "sid=\"a\\\"b\"", "sid=\"unterminated",
        "br=1,,bl=2", "br=1,", " br=1", "br=1 ", "br = 1", "ot=zz", "sid=\"" + "s" * 129 + "\"",
        "pr=1.2345", "pr=-1.5", "br=-3", "v=0", "br=1234567890123456", "br=1;x=1", "e=ps,sta=q",
        "lab=1", "nrr=\"12-34\"", "cid=\"a,b\"", "sid=\"é\"", "", "bs,su,bs", "BR=1", "x",
        "ts=1717236000000,sn=0", "dl=-1", "tb=1.5", "st=x", "sf=h,sf=d",
    ]
)  # fmt: skip
CMCD_TEXTS = st.one_of(CMCD_DICTS.map(encode_cmcd), ODD_CMCD)


def _query(text: str, how: str) -> str:
    encoded = quote(text, safe="")
    return {
        "plain": f"CMCD={encoded}",
        "raw": f"CMCD={text}" if "&" not in text and "#" not in text else f"CMCD={encoded}",
        "after": f"a=1&CMCD={encoded}&b=2",
        "two": f"CMCD={encoded}&CMCD=br%3D1",
        "bare": "CMCD&x=1",
        "fragment": f"CMCD={encoded}#frag",
        "named": f"xCMCD={encoded}",
        "url": f"/p?CMCD={encoded}",
        "badutf8": "CMCD=br%3D1%2Csid%3D%22%ff%22",
        "none": "a=1",
        "dash": "-",
    }[how]


QUERIES = st.builds(
    _query,
    CMCD_TEXTS,
    st.sampled_from(
        ["plain"] * 6
        + ["raw", "after", "two", "bare", "fragment", "named", "url", "badutf8", "none", "dash"]
    ),
)


def plain_line(**overrides: str) -> str:
    """One valid standard-log line (every field set), with `overrides` by field name."""
    values = {
        "date": "2019-12-04", "time": "21:02:31", "x-edge-location": "FRA56-P1",
        "sc-bytes": "1048987", "c-ip": "2001:db8:85a3:8d3:1319:8a2e:370:7348", "cs-method": "GET",
        "cs(Host)": "d111111abcdef8.cloudfront.net", "cs-uri-stem": "/vod/seg_00012.m4s",
        "sc-status": "206", "cs(Referer)": "https://player.example.com/",
        "cs(User-Agent)": "Mozilla/5.0%20(X11;%20Linux%20x86_64)",
        "cs-uri-query": "CMCD=bl%3D21300%2Cbr%3D3200%2Cbs%2Cot%3Dv%2Csid%3D%22v1%22",
        "x-edge-result-type": "Miss", "x-edge-request-id": "k6WGMNkEzR5BEM==",
        "x-host-header": "media.example.com", "cs-protocol": "https", "cs-bytes": "412",
        "time-taken": "0.412", "ssl-protocol": "TLSv1.3", "x-edge-response-result-type": "Miss",
        "cs-protocol-version": "HTTP/2.0", "c-port": "50721", "time-to-first-byte": "0.105",
        "x-edge-detailed-result-type": "Miss", "sc-content-type": "video/iso.segment",
        "sc-content-len": "1048576", "sc-range-start": "0", "sc-range-end": "1048575",
    }  # fmt: skip
    values.update(overrides)
    return "\t".join(values.get(name, "-") for name in STANDARD_FIELDS)


@st.composite
def standard_line(draw: st.DrawFn, fields: tuple[str, ...] = STANDARD_FIELDS) -> str:
    """One data line for the field list `fields`, mostly valid."""
    odd = draw(st.integers(0, 9)) == 0  # one line in ten gets edge cases everywhere
    values = {
        "date": draw(DATES) if odd else "2019-12-04",
        "time": draw(TIMES) if odd else draw(st.sampled_from(["21:02:31", "00:00:07"])),
        "x-edge-location": draw(POPS) if odd else "FRA56-P1",
        "sc-bytes": draw(INTS),
        "c-ip": draw(IPS),
        "cs-method": draw(METHODS) if odd else "GET",
        "cs(Host)": "d111111abcdef8.cloudfront.net",
        "cs-uri-stem": draw(PATHS),
        "sc-status": draw(STATUSES),
        "cs(Referer)": draw(REFERERS),
        "cs(User-Agent)": draw(AGENTS),
        "cs-uri-query": draw(QUERIES),
        "x-edge-result-type": draw(RESULTS),
        "x-edge-request-id": draw(st.sampled_from(["req==", "-", "r" * 257])),
        "x-host-header": draw(st.sampled_from(["media.example.com", "-"])),
        "cs-protocol": draw(st.sampled_from(["https", "http", "-"])),
        "cs-bytes": draw(INTS) if odd else "23",
        "time-taken": draw(SECONDS),
        "cs-protocol-version": draw(st.sampled_from(["HTTP/2.0", "HTTP/1.1", "-"])),
        "time-to-first-byte": draw(SECONDS),
        "x-edge-detailed-result-type": draw(RESULTS),
        "sc-content-type": draw(st.sampled_from(["video/iso.segment", "-", "text/html"])),
        "sc-range-start": draw(INTS) if odd else "-",
        "sc-range-end": draw(INTS) if odd else "-",
    }
    return "\t".join(values.get(name, "-") for name in fields)


SHORT_FIELDS = (
    "date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)", "cs-uri-stem",
    "sc-status", "cs(Referer)", "cs(User-Agent)", "cs-uri-query", "x-edge-result-type",
    "x-edge-request-id", "time-taken",
)  # fmt: skip
REORDERED_FIELDS = tuple(reversed(STANDARD_FIELDS))
NO_DATE_FIELDS = tuple(f for f in SHORT_FIELDS if f != "date")


@st.composite
def log_lines(draw: st.DrawFn) -> list[bytes]:
    """The lines of one log file: headers, data lines, and damage of every kind."""
    fields = STANDARD_FIELDS
    lines: list[bytes] = [b"#Version: 1.0", ("#Fields: " + " ".join(fields)).encode()]
    for _ in range(draw(st.integers(1, 25))):
        kind = draw(
            st.sampled_from(
                ["line"] * 12
                + ["truncated", "extended", "garbage", "blank", "header", "crlf", "bytes", "hash"]
            )
        )
        line = draw(standard_line(fields))
        if kind == "line":
            lines.append(line.encode())
        elif kind == "truncated":
            lines.append(line[: draw(st.integers(0, len(line)))].encode())
        elif kind == "extended":
            lines.append((line + "\textra").encode())
        elif kind == "garbage":
            lines.append(draw(st.text(max_size=30)).replace("\n", "").encode("utf-8", "replace"))
        elif kind == "blank":
            lines.append(draw(st.sampled_from([b"", b"   ", b"\t\t", b"\xc2\xa0"])))
        elif kind == "header":
            fields = draw(
                st.sampled_from([STANDARD_FIELDS, SHORT_FIELDS, REORDERED_FIELDS, NO_DATE_FIELDS])
            )
            lines.append(("#Fields: " + " ".join(fields)).encode())
        elif kind == "crlf":
            lines.append(line.encode() + b"\r")
        elif kind == "bytes":
            lines.append(line.encode().replace(b"GET", b"G\xffT").replace(b"HEAD", b"\x00EAD"))
        else:
            lines.append(b"# a comment " + line.encode()[:10])
    return lines
