#!/usr/bin/env python3
"""Validate vfio-warden JSON Lines event logs against user/lib/events.schema.json.

usage: tests/validate-events.py SCHEMA FILE...
Prints one line per invalid event (file:line: message) and a summary
"events: N valid, M invalid"; exits 1 if any event is invalid or no event was read.
"""
import json
import sys

import jsonschema


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    valid = invalid = 0
    for path in argv[2:]:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    event = json.loads(line)
                except ValueError as e:
                    print(f"{path}:{n}: not JSON: {e}")
                    invalid += 1
                    continue
                errors = sorted(validator.iter_errors(event), key=lambda e: e.path)
                if errors:
                    invalid += 1
                    best = jsonschema.exceptions.best_match(errors)
                    print(f"{path}:{n}: {best.message} (at {'/'.join(map(str, best.path))}): {line.strip()[:300]}")
                else:
                    valid += 1
    print(f"events: {valid} valid, {invalid} invalid")
    return 1 if invalid or not valid else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
