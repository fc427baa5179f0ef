#!/usr/bin/env python3
"""Validates ptrscan output against schema/ (JSON Schema draft 2020-12).

    validate_output.py SCHEMA_DIR [--records FILE.ndjson] [--metadata FILE.json]
                                  [--diff FILE.ndjson]
                                  [--listen FILE.ndjson]

Prints one line per invalid record ("FILE:LINE: path: message") and exits 1
when any is invalid, 0 when all are valid, 77 (CTest's skip code) when
python3-jsonschema is not installed.
"""
import argparse
import json
import pathlib
import sys

try:
    import jsonschema
except ImportError:
    print("validate_output: python3-jsonschema is not installed", file=sys.stderr)
    sys.exit(77)


def validator(schema_dir, name):
    schema = json.loads((pathlib.Path(schema_dir) / name).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def report(where, v, doc):
    bad = 0
    for e in sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        path = "/".join(str(p) for p in e.absolute_path) or "(top)"
        print(f"{where}: {path}: {e.message}")
        bad += 1
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("schema_dir")
    ap.add_argument("--records")
    ap.add_argument("--metadata")
    ap.add_argument("--diff")
    ap.add_argument("--listen", help="records of ptrscan listen")
    a = ap.parse_args()
    bad = 0
    if a.listen:
        v = validator(a.schema_dir, "ptrscan-listen.schema.json")
        lines = pathlib.Path(a.listen).read_text().splitlines()
        if not lines:
            print(f"{a.listen}: no records")
            bad += 1
        for n, line in enumerate(lines, 1):
            bad += report(f"{a.listen}:{n}", v, json.loads(line))
    if a.records:
        v = validator(a.schema_dir, "ptrscan-record.schema.json")
        # The same schema entered at the kind of record the line looks like,
        # for errors that name the member instead of "not valid under any".
        kinds = {}
        for kind in ("host_record", "domain_summary", "zone_record"):
            s = dict(v.schema)
            s.pop("oneOf")
            s["$ref"] = "#/$defs/" + kind
            kinds[kind] = jsonschema.Draft202012Validator(s)
        lines = pathlib.Path(a.records).read_text().splitlines()
        if not lines:
            print(f"{a.records}: no records")
            bad += 1
        for n, line in enumerate(lines, 1):
            doc = json.loads(line)
            kind = "host_record"
            if isinstance(doc, dict) and "domain" in doc:
                kind = "domain_summary"
            elif isinstance(doc, dict) and doc.get("type") == "zone":
                kind = "zone_record"
            found = report(f"{a.records}:{n}", kinds[kind], doc)
            bad += found or report(f"{a.records}:{n}", v, doc)
    if a.metadata:
        v = validator(a.schema_dir, "ptrscan-metadata.schema.json")
        bad += report(a.metadata, v, json.loads(pathlib.Path(a.metadata).read_text()))
    if a.diff:
        v = validator(a.schema_dir, "ptrscan-diff.schema.json")
        lines = pathlib.Path(a.diff).read_text().splitlines()
        if not lines or not lines[-1].startswith('{"type":"diff_summary"'):
            print(f"{a.diff}: the last line is not a diff_summary")
            bad += 1
        for n, line in enumerate(lines, 1):
            bad += report(f"{a.diff}:{n}", v, json.loads(line))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
