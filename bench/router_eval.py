"""Measure the `model: "auto"` router on a hand-labelled set of prompts: accuracy, confusion, savings.

    python -m bench.router_eval [--errors] [--split dev|test|all]

Offline and in seconds: it runs the gateway's own scorer (llmhub.gateway.route_scoring) and prices with the seed
catalog (llmhub.catalog.seed), with no database and no upstream. Savings compare the routed model with
always sending the request to the baseline model (gpt-4.1), for the same tokens: prompt tokens by the
hub's estimate, answer tokens by the prompt's labelled tier (fast 100, balanced 400, strong 900).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import django

# The scorer's modules import the catalog, whose models need Django's settings (no database is opened).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "llmhub.settings")
django.setup()

from llmhub.catalog.seed import SEED  # noqa: E402
from llmhub.gateway.route_scoring import (  # noqa: E402
    DEFAULT_BASELINE_MODEL,
    DEFAULT_TASK_ROUTES,
    DEFAULT_TIER_MODELS,
    TIERS,
    Decision,
    choose_model,
    score_request,
)
from llmhub.gateway.tokens import prompt_tokens_estimate  # noqa: E402

LABELLED = Path(__file__).with_name("router_labelled.jsonl")
ANSWER_TOKENS = {"fast": 100, "balanced": 400, "strong": 900}
MILLION = Decimal(1_000_000)
PRICES = {row[0]: (Decimal(row[2]), Decimal(row[3]), row[8]) for row in SEED}  # name → (in, out, vision)
HISTORY = [
    {"role": "user", "content": "Let us keep going with the plan we were discussing earlier today."},
    {"role": "assistant", "content": "Sure. Here is the next part of the plan, with the details you asked for."},
]
TASK_ORDER = ["general", "code", "reasoning", "chinese", "creative", "vision"]


def messages_for(row: dict[str, Any]) -> list[dict[str, Any]]:
    history = [HISTORY[i % 2] for i in range(row.get("history", 0))]
    content: Any = row["prompt"]
    if row.get("image"):
        content = [{"type": "text", "text": row["prompt"]}, {"type": "image_url", "image_url": {"url": row["image"]}}]
    return [*history, {"role": "user", "content": content}]


def cost(model: str, prompt_tokens: int, answer_tokens: int) -> Decimal:
    inp, out, _ = PRICES[model]
    return (prompt_tokens * inp + answer_tokens * out) / MILLION


def confusion(pairs: list[tuple[str, str]], labels: list[str]) -> str:
    """Rows are the labelled value, columns the router's."""
    counts = Counter(pairs)
    width = max(len(label) for label in labels) + 2
    lines = ["expected \\ routed".ljust(width + 8) + "".join(label.rjust(width) for label in labels)]
    for expected in labels:
        cells = "".join(str(counts[(expected, got)]).rjust(width) for got in labels)
        lines.append(expected.ljust(width + 8) + cells)
    return "\n".join(lines)


def evaluate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    results = []
    for row in rows:
        messages = messages_for(row)
        decision = score_request(messages)
        model = choose_model(decision, DEFAULT_TIER_MODELS, DEFAULT_TASK_ROUTES)
        oracle = choose_model(
            Decision(tier=row["tier"], task=row["task"], score=0), DEFAULT_TIER_MODELS, DEFAULT_TASK_ROUTES
        )
        prompt_tokens = prompt_tokens_estimate(messages)
        answer_tokens = ANSWER_TOKENS[row["tier"]]
        results.append(
            {
                **row,
                "got_tier": decision.tier,
                "got_task": decision.task,
                "reason": decision.reason,
                "model": model,
                "capable": not row.get("image") or PRICES[model][2],
                "cost": cost(model, prompt_tokens, answer_tokens),
                "oracle_cost": cost(oracle, prompt_tokens, answer_tokens),
                "baseline_cost": cost(DEFAULT_BASELINE_MODEL, prompt_tokens, answer_tokens),
            }
        )
    return {"results": results}


def _accuracy(results: list[dict[str, Any]], field: str) -> str:
    right = sum(1 for r in results if r[field] == r["got_" + field])
    return f"{right}/{len(results)} = {right / max(1, len(results)):.1%}"


def report(results: list[dict[str, Any]], show_errors: bool) -> str:
    out = [f"Router evaluation on {len(results)} labelled prompts ({LABELLED.name})", ""]
    for split in ("dev", "test", "holdout"):
        part = [r for r in results if r.get("split") == split]
        if part:
            out.append(f"  {split:7} tier {_accuracy(part, 'tier'):>16}   task {_accuracy(part, 'task'):>16}")
    out.append(f"  all     tier {_accuracy(results, 'tier'):>16}   task {_accuracy(results, 'task'):>16}")
    under = sum(1 for r in results if TIERS.index(r["got_tier"]) < TIERS.index(r["tier"]))
    over = sum(1 for r in results if TIERS.index(r["got_tier"]) > TIERS.index(r["tier"]))
    out.append(f"  under-routed (weaker tier than labelled): {under}; over-routed: {over}")
    out.append(f"  requests sent to a model that cannot take them: {sum(1 for r in results if not r['capable'])}")
    out += ["", "Tier confusion:", confusion([(r["tier"], r["got_tier"]) for r in results], list(TIERS))]
    out += ["", "Task confusion:", confusion([(r["task"], r["got_task"]) for r in results], TASK_ORDER)]
    routed = sum(r["cost"] for r in results)
    baseline = sum(r["baseline_cost"] for r in results)
    oracle = sum(r["oracle_cost"] for r in results)
    out += [
        "",
        f"Cost for the set (catalog prices, estimated tokens), baseline = always {DEFAULT_BASELINE_MODEL}:",
        f"  always {DEFAULT_BASELINE_MODEL:<12} ${baseline:.6f}",
        f"  auto router         ${routed:.6f}   saves {(1 - routed / baseline):.1%}",
        f"  perfect labels      ${oracle:.6f}   saves {(1 - oracle / baseline):.1%}",
        "  models chosen: " + ", ".join(f"{m} ×{n}" for m, n in Counter(r["model"] for r in results).most_common()),
    ]
    if show_errors:
        out += ["", "Misrouted prompts (expected → routed):"]
        for r in results:
            if (r["tier"], r["task"]) != (r["got_tier"], r["got_task"]):
                prompt = r["prompt"].replace("\n", " ")[:70]
                out.append(
                    f"  [{r['split']}] {r['tier']}/{r['task']} → {r['got_tier']}/{r['got_task']}: {prompt} ({r['reason']})"
                )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list the misrouted prompts")
    parser.add_argument("--split", choices=["dev", "test", "holdout", "all"], default="all")
    args = parser.parse_args(argv)
    started = time.monotonic()
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.split != "all":
        rows = [r for r in rows if r.get("split") == args.split]
    print(report(evaluate(rows)["results"], args.errors))
    print(f"\n({time.monotonic() - started:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
