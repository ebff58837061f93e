"""Benchmark: matching the whole waiting list to the volunteers in one optimisation.

Generates a region (the five municipalities around Deventer, about 40 x 30 km) with
``--clients`` waiting clients and ``--volunteers`` volunteers, and times
``app.volunteers.matching.match`` on it. Each scenario runs in a subprocess of its own, so
that its peak resident memory (``ru_maxrss`` of the child, generation included) and wall
time are its alone. Pure Python and HiGHS: no database is needed.

Scenarios:
- ``regional``: volunteers take one circle (70 %), two (25 %) or three (5 %); 5 % are
  paused or have an expired certificate. There are seats enough for most clients, and the
  hard constraints leave a few without a circle (rare language, remote, excluded offence).
- ``scarce``: every volunteer takes at most one circle and a quarter take none, so fewer
  than 700 of the 1,000 clients can be served: the hard case (which clients to serve).

Usage:
    .venv/bin/python bench/matching.py                      # both scenarios, 1,000 x 3,000
    .venv/bin/python bench/matching.py --scenario regional --clients 2000 --volunteers 6000
Writes ``bench/results/matching.json`` and ``bench/results/matching.md`` (``--out``).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LIMIT_SECONDS = 5.0
LIMIT_BYTES = 1024**3

# Postcode areas (PC4) with a centre point, roughly: Deventer, Olst-Wijhe, Raalte, Lochem,
# Bathmen; the region's spread of addresses around them.
TOWNS = [
    ("74", (52.255, 6.163), 0.55),
    ("81", (52.390, 6.140), 0.10),
    ("81", (52.386, 6.275), 0.12),
    ("72", (52.160, 6.415), 0.15),
    ("74", (52.250, 6.290), 0.08),
]
LANGUAGES = ["ar", "tr", "pl", "so", "ti", "ro", "en", "pap"]
OFFENCES = ["violence", "sexual", "property", "drugs", "arson"]
NEEDS = ["work", "housing", "debts", "sport", "family", "faith"]


def place(rng: random.Random) -> tuple[str, tuple[float, float]]:
    prefix, (lat, lon), _ = rng.choices(TOWNS, weights=[t[2] for t in TOWNS])[0]
    point = (lat + rng.gauss(0, 0.035), lon + rng.gauss(0, 0.05))
    return f"{prefix}{rng.randint(10, 40)}", point


def instance(scenario: str, n_clients: int, n_volunteers: int, seed: int):
    from app.volunteers.matching import PARTS_OF_DAY, Candidate, WaitingClient

    rng = random.Random(seed)  # noqa: S311 - fictitious bench data
    slots = [(day, part) for day in range(7) for part in PARTS_OF_DAY]
    weekday_evenings = [s for s in slots if s[0] < 5 and s[1] == "evening"]

    def availability(low: int, high: int) -> frozenset:
        chosen = set(rng.sample(slots, rng.randint(low, high)))
        if rng.random() < 0.6:
            chosen.add(rng.choice(weekday_evenings))
        return frozenset(chosen)

    def languages(share: float) -> frozenset:
        spoken = {"nl"} if rng.random() > 0.03 else set()
        if rng.random() < share or not spoken:
            spoken.add(rng.choice(LANGUAGES))
        return frozenset(spoken)

    clients = []
    for number in range(n_clients):
        area, point = place(rng)
        clients.append(
            WaitingClient(
                id=f"c{number}",
                point=point,
                availability=availability(1, 4),
                languages=languages(0.25),
                offence_kinds=frozenset(rng.sample(OFFENCES, rng.randint(1, 2))),
                gender=rng.choice(["m", "m", "m", "f"]),
                places_to_avoid=frozenset({area} if rng.random() < 0.3 else ()),
                needs=frozenset(rng.sample(NEEDS, rng.randint(0, 2))),
            )
        )
    volunteers = []
    for number in range(n_volunteers):
        area, point = place(rng)
        if scenario == "scarce":
            capacity = rng.choices([0, 1], weights=[25, 75])[0]
        else:
            capacity = rng.choices([1, 2, 3], weights=[70, 25, 5])[0]
        volunteers.append(
            Candidate(
                id=f"v{number}",
                point=point,
                availability=availability(1, 5),
                languages=languages(0.2),
                capacity_left=capacity,
                excluded_offence_kinds=frozenset(
                    rng.sample(OFFENCES, 1) if rng.random() < 0.3 else ()
                ),
                gender_preference=rng.choice([None, None, None, "m", "f"]),
                postcode_area=area,
                experience_years=rng.choice([0, 0, 1, 1, 2, 3, 5, 8]),
                skills=frozenset(rng.sample(NEEDS, rng.randint(0, 2))),
                valid_vog=rng.random() > 0.03,
                active=rng.random() > 0.02,
            )
        )
    return clients, volunteers


def child(args: argparse.Namespace) -> None:
    """Runs in the subprocess: generate, match, print one JSON line."""
    from collections import Counter

    from app.volunteers.matching import MatchSettings, match

    started = time.perf_counter()
    clients, volunteers = instance(args.scenario, args.clients, args.volunteers, args.seed)
    generated = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    result = match(clients, volunteers, settings=MatchSettings(time_limit=args.time_limit))
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    print(
        json.dumps(
            {
                "scenario": args.scenario,
                "clients": args.clients,
                "volunteers": args.volunteers,
                "seconds": round(seconds, 3),
                "cpu_seconds": round(cpu, 3),
                "generate_seconds": round(generated, 3),
                "served": result.served,
                "total_score": result.total_score,
                "optimal": result.optimal,
                "gap": result.gap,
                "pairs": result.pairs,
                "pruned": result.pruned,
                "unmatched": dict(Counter(str(u.blocker) for u in result.unmatched)),
                # Linux reports kibibytes: the child's own peak, generation included.
                "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )


def run(scenario: str, args: argparse.Namespace) -> dict:
    command = [
        sys.executable,
        __file__,
        "--child",
        "--scenario",
        scenario,
        "--clients",
        str(args.clients),
        "--volunteers",
        str(args.volunteers),
        "--seed",
        str(args.seed),
        "--time-limit",
        str(args.time_limit),
    ]
    wall = time.perf_counter()
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    wall = time.perf_counter() - wall
    row = json.loads(output.strip().splitlines()[-1])
    peak_kib = row.pop("peak_rss_kib")
    row["process_seconds"] = round(wall, 3)
    row["peak_rss_mib"] = round(peak_kib / 1024, 1)
    row["within_limits"] = row["seconds"] < LIMIT_SECONDS and peak_kib * 1024 < LIMIT_BYTES
    return row


def markdown(rows: list[dict], when: str) -> str:
    lines = [
        f"Matching benchmark, {when}, {platform.machine()}, Python {platform.python_version()}",
        "",
        "| scenario | clients | volunteers | match s | CPU s | peak RSS MiB | served | optimal "
        "| gap | pairs | pruned | within 5 s / 1 GiB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['scenario']} | {r['clients']} | {r['volunteers']} "
            f"| {r['seconds']} | {r['cpu_seconds']} "
            f"| {r['peak_rss_mib']} | {r['served']} | {'yes' if r['optimal'] else 'no'} "
            f"| {r['gap']:.2%} | {r['pairs']} | {r['pruned']} "
            f"| {'yes' if r['within_limits'] else 'NO'} |"
        )
    lines.append("")
    for r in rows:
        lines.append(f"- {r['scenario']}: clients without a circle by reason {r['unmatched']}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", choices=["regional", "scarce", "both"], default="both")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--volunteers", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    scenarios = ["regional", "scarce"] if args.scenario == "both" else [args.scenario]
    # One subprocess per scenario: its wall time and peak memory are its own.
    rows = [run(scenario, args) for scenario in scenarios]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "matching.json").write_text(
        json.dumps({"when": when, "rows": rows}, indent=2) + "\n", encoding="utf-8"
    )
    text = markdown(rows, when)
    (args.out / "matching.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
