"""goAML conversion on one core: reports/s and peak memory for a large batch file.

Writes one XML file of ``--reports`` reports (a ``<reports>`` batch of the three reference
samples, each with its own entity_reference, rotated), converts it with the converter
``fiulink convert goaml`` uses (lenient mode, every report through the hub's own validation),
and prints the rate per CPU second and the peak RSS in a child process; run with two sizes to
see that memory does not grow with the file. The last line printed is a JSON object.

    .venv/bin/python bench/bench_goaml.py [--reports 20000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tests" / "unit" / "goaml" / "samples"
NAMES = ("sample_crypto_str_wallet", "sample_bank_str_iban_entity", "sample_activity_sar_parties")


def write_batch(path: Path, n: int) -> int:
    bodies = []
    for name in NAMES:
        text = (SAMPLES / f"{name}.xml").read_text(encoding="utf-8")
        text = re.sub(r"<\?xml[^>]*\?>|<!--.*?-->", "", text, flags=re.S).strip()
        bodies.append(text)
    with path.open("w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<reports>\n')
        for i in range(n):
            body = bodies[i % len(bodies)]
            f.write(re.sub(r"<entity_reference>[^<]*", f"<entity_reference>BENCH-{i:08d}", body, count=1))
            f.write("\n")
        f.write("</reports>\n")
    return path.stat().st_size


def convert(path: Path) -> dict[str, float]:
    from streams.goaml import Options, convert_file
    from streams.goaml.times import zone_for

    opts = Options("AE", zone_for("AE", None))
    cpu0, wall0 = time.process_time(), time.monotonic()
    ok = bad = 0
    for done in convert_file(path, opts):
        if done.record is not None:
            ok += 1
        else:
            bad += 1
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "converted": ok,
        "rejected": bad,
        "reports_per_cpu_s": ok / cpu,
        "wall_s": wall,
        "peak_rss_mb": rss_mb,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=20_000)
    ap.add_argument("--dir", type=Path, help="where to write the file (default: a temporary directory)")
    ap.add_argument("--convert-only", type=Path, help=argparse.SUPPRESS)  # the measuring child
    args = ap.parse_args()
    if args.convert_only:
        print(json.dumps(convert(args.convert_only)))
        return
    import subprocess

    work = args.dir or Path(tempfile.mkdtemp(prefix="fiulink-goaml-"))
    out: dict[str, object] = {}
    for n in (args.reports // 10, args.reports):
        path = work / f"goaml-{n}.xml"
        size = write_batch(path, n)
        done = subprocess.run(
            [sys.executable, __file__, "--convert-only", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        res = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{n:>8} reports, {size / 1e6:8.1f} MB: {res['reports_per_cpu_s']:8,.0f} reports/CPU-s, "
              f"peak RSS {res['peak_rss_mb']:.0f} MB, {res['rejected']} rejected", file=sys.stderr)  # fmt: skip
        out[f"goaml_{n}_file_mb"] = round(size / 1e6, 1)
        out[f"goaml_{n}_reports_per_cpu_s"] = round(res["reports_per_cpu_s"])
        out[f"goaml_{n}_peak_rss_mb"] = round(res["peak_rss_mb"], 1)
        out[f"goaml_{n}_rejected"] = res["rejected"]
        path.unlink()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
