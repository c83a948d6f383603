"""FEBRL4 with the shipped person model: ingest by mapping, then `sanctiongraph evaluate --truth`.

FEBRL4 is two files of 5,000 synthetic Australian people (dataset4a: originals,
dataset4b: one corrupted duplicate of each); ids ``rec-N-org`` / ``rec-N-dup-0``
say which records are one person (5,000 true pairs). Both files are ingested
with the declarative mapping ``bench/resolution_febrl.yaml`` (as two sources),
the truth is written as ``record_id,cluster``, and the CLI evaluates pairwise
precision, recall and F1 of an in-memory resolution with the shipped models
(nothing trained on FEBRL). Field baseline: Splink 5 tuned on FEBRL4 itself
reaches F1 0.9999 (../shared/research/baselines.md).

    python bench/bench_resolution_febrl.py [--data ../shared/data/er_benchmarks/febrl]
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "er_benchmarks" / "febrl"
MAPPING = ROOT / "bench" / "resolution_febrl.yaml"


def cli(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "sanctiongraph", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"sanctiongraph {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def write_truth(data: Path, path: Path) -> int:
    rows = []
    for part in ("a", "b"):
        with (data / f"dataset4{part}.csv").open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle, skipinitialspace=True):
                rec_id = row["rec_id"].strip()
                rows.append((f"febrl4{part}:{rec_id}", rec_id.split("-")[1]))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "cluster"])
        writer.writerows(rows)
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp) / "ws"
        started = time.perf_counter()
        for part in ("a", "b"):
            cli(
                "ingest",
                str(args.data / f"dataset4{part}.csv"),
                "--format",
                "mapping",
                "--mapping",
                str(MAPPING),
                "--source",
                f"febrl4{part}",
                "--workspace",
                str(workspace),
            )
        ingested = time.perf_counter()
        records = write_truth(args.data, Path(tmp) / "truth.csv")
        result = json.loads(
            cli("evaluate", "--truth", str(Path(tmp) / "truth.csv"), "--workspace", str(workspace), "--json")
        )
        done = time.perf_counter()
    print(f"FEBRL4: {records} records, {result['true_pairs']} true pairs, {result['predicted_pairs']} predicted")
    print(
        f"precision {result['precision']:.4f}  recall {result['recall']:.4f}  F1 {result['f1']:.4f} "
        f"(threshold {result['threshold']})"
    )
    print(
        f"ingest {ingested - started:.1f} s, evaluate (features + Splink predict + clustering) {done - ingested:.1f} s"
    )


if __name__ == "__main__":
    main()
