#!/usr/bin/env python3
"""Writes an import file of N synthetic accounts for timing `tessera import`.

    python3 benches/gen-import.py 100000 > /tmp/users.jsonl
    python3 benches/gen-import.py 100000 --csv > /tmp/users.csv
    time tessera import /tmp/users.jsonl            # SQLite under ./data
    TESSERA_DATABASE_URL=postgres://postgres@127.0.0.1:5432/import_bench \
        tessera import /tmp/users.jsonl --concurrency 16

Rows cycle through every legacy hash format (the import checks their shape, it does not
verify them, so a handful of real hashes is enough); a third have a phone, a quarter a
username, a tenth a TOTP secret and a twentieth are blocked. Output is deterministic for a
given N, so a second run of the same file measures the "nothing changed" path.
Standard library only.
"""

import csv
import json
import random
import sys

HASHES = [
    ("argon2", "$argon2id$v=19$m=2048,t=2,p=4$tcLzpHcRa1rs0KqGpws6Tw$t7230NZb2DeYwbWEfhuzs+nNeUuKdOgCOKv1sAo5gp0", ""),
    ("pbkdf2_sha256", "pbkdf2_sha256$10548$qZFRFfsx7E$GJtb+sRQipEJnu+ORrwZe8xQE1SQV4pXijFnVl0G5CI=", ""),
    ("md5", "10eecfff3b3337bd5d4e9862ab86ec89", "s@lt$x"),
    ("sha256", "35f7c6f826790507380a43d9ce89b09737b615946492fc6f5c30f66c3449f690", "s@lt$x"),
    ("bcrypt", "$2y$10$8fkA/M8CDD.G3guZJc.G5.JXml/zjNb.EwHc3XIb4dkCMkdH0CRcG", ""),
    ("argon2", "$argon2i$v=19$m=4096,t=3,p=1$0lR5UNNV6rg5+D8KvNctaw$P9Cx32xncd0MuTxp2YgZJ9ZEM8kG6Dy1lIy9ciTV05Q", ""),
]
COLUMNS = ["email", "username", "name", "phone", "password_hash", "hash_format", "salt",
           "created_at", "status", "is_admin", "totp_secret", "invite_quota"]
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def rows(n):
    rng = random.Random(n)
    for i in range(n):
        fmt, h, salt = HASHES[i % len(HASHES)]
        yield {
            "email": f"user{i}@bench.example.com",
            "username": f"user{i}" if i % 4 == 0 else "",
            "name": f"User {i}",
            "phone": f"+1555{i:07d}" if i % 3 == 0 else "",
            "password_hash": h,
            "hash_format": fmt,
            "salt": salt,
            "created_at": 1_500_000_000 + rng.randrange(200_000_000),
            "status": "blocked" if i % 20 == 0 else "active",
            "is_admin": i % 1000 == 0,
            "totp_secret": "".join(rng.choice(B32) for _ in range(32)) if i % 10 == 0 else "",
            "invite_quota": -1 if i % 7 == 0 else 5,
        }


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 100_000
    out = sys.stdout
    if "--csv" in sys.argv:
        w = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in rows(n):
            r["is_admin"] = "true" if r["is_admin"] else "false"
            w.writerow(r)
    else:
        for r in rows(n):
            out.write(json.dumps({k: v for k, v in r.items() if v != ""}) + "\n")


if __name__ == "__main__":
    main()
