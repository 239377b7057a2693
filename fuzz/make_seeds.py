#!/usr/bin/env python3
"""Builds fuzz/seeds/<target>/ from the repository's fixtures (run from the repository root).

File targets take `<name>\n<content>`: the fixture's path under fixtures/ names the file, so
the sources that sniff names (credential-report.csv, auditpol.csv, ...) see real names. Host
targets take the file alone. The inventory seeds are shards the scan writes of the fixtures.
Seeds are named by their SHA-1, as libFuzzer names corpus files; re-running is idempotent.
"""
import hashlib
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIX = ROOT / "fixtures"
OUT = ROOT / "fuzz" / "seeds"
MAX = 64 * 1024


def files():
    for p in sorted(FIX.rglob("*")):
        if p.is_file() and not p.is_symlink() and p.stat().st_size <= MAX:
            yield p


def put(target, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def named(p):
    return str(p.relative_to(FIX)).encode() + b"\n" + p.read_bytes()


HOST = {
    "passwd": lambda p: p.name == "passwd" and p.parent.name == "etc",
    "shadow": lambda p: p.name == "shadow" and p.parent.name == "etc",
    "group": lambda p: p.name == "group" and p.parent.name == "etc",
    "sudoers": lambda p: (p.name == "sudoers" and p.parent.name == "etc") or p.parent.name == "sudoers.d",
    "sshd_config": lambda p: p.name == "sshd_config" or p.parent.name == "sshd_config.d",
    "authorized_keys": lambda p: p.name.startswith("authorized_keys"),
}

SECRET_EXT = {".env", ".yml", ".yaml", ".conf", ".cfg", ".ini", ".properties", ".toml", ".sh",
              ".py", ".txt", ".xml", ".tf", ".json", ".netrc", ".pgpass", ".npmrc", ".pem", ".key"}


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    for p in files():
        rel = str(p.relative_to(FIX))
        for target, test in HOST.items():
            if test(p):
                put(target, p.read_bytes())
        if p.suffix == ".ldif":
            put("ldif", named(p))
        if p.suffix in (".json", ".jsonl"):
            put("json", named(p))
        if p.suffix == ".csv":
            put("csv", named(p))
        if p.name == "resetgap.yml":
            put("config", p.read_bytes())
        if ("secrets" in rel or "RG501" in rel or "credfiles" in rel or "RG504" in rel) and (
            p.suffix in SECRET_EXT or p.name.startswith(".")
        ):
            put("secrets", named(p))
    for extra in sorted((ROOT / "fuzz" / "extra-seeds").glob("*/*")):
        put(extra.parent.name, extra.read_bytes())
    binary = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target" / "debug" / "resetgap")
    with tempfile.TemporaryDirectory() as tmp:
        for estate in ["estate", "scenarios/northwind-phish/input", "closure/input"]:
            part = FIX / estate
            shard = pathlib.Path(tmp) / "part.jsonl"
            subprocess.run([binary, "scan", str(part), "--relative-to", str(part),
                            "--emit-inventory", str(shard), "--as-of", "2026-12-01T00:00:00Z"],
                           check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if shard.exists():
                data = shard.read_bytes()
                put("inventory", data if len(data) <= 4 * MAX else data[: 4 * MAX])
    for d in sorted(OUT.iterdir()):
        print(f"{d.name}: {len(list(d.iterdir()))} seeds")


if __name__ == "__main__":
    main()
