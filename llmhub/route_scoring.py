"""Scoring a chat request for `model: "auto"`: which tier of model it needs and which task it is.

Pure functions over the OpenAI messages (no Django, no database), so the offline benchmark in
`bench/router_eval.py` measures exactly the code the gateway runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

TIERS = ("fast", "balanced", "strong")
TASKS = ("general", "code", "creative", "fast", "vision", "chinese", "reasoning")

# Defaults when a team has no RoutingPolicy; each must be a catalog model name.
DEFAULT_TIER_MODELS = {"fast": "gpt-4o-mini", "balanced": "gpt-4.1", "strong": "o3-mini"}
DEFAULT_TASK_ROUTES = {
    "code": "deepseek-coder",
    "creative": "claude-3-5-sonnet",
    "fast": "gpt-4o-mini",
    "vision": "gpt-4o",
    "chinese": "qwen-max",
    "reasoning": "o3-mini",
}
# What an unrouted client would send everything to (the seed's "strong" model): savings are measured against it.
DEFAULT_BASELINE_MODEL = "gpt-4.1"

CODE_FENCE = re.compile(r"```|^\s{4}\S", re.MULTILINE)
CODE_SYNTAX = re.compile(
    r"\bdef \w+\(|\bclass \w+[:(]|\bfunction\s*\w*\(|=>|\bimport \w+|#include|\bSELECT\b.+\bFROM\b|"
    r"\bconsole\.log\b|\bprintf?\(|\w+\.\w+\(.*\)|\{\s*\n|;\s*$|\bTraceback\b|\bException\b|\bnull pointer\b",
    re.MULTILINE | re.IGNORECASE,
)
CODE_WORDS = re.compile(
    r"\b(python|javascript|typescript|java|golang|rust|c\+\+|c#|kotlin|swift|ruby|php|bash|shell script|sql|regex|"
    r"regular expression|function|method|compile[rs]?|bug|debug|stack ?trace|refactor|unit tests?|api endpoint|"
    r"dockerfile|kubernetes|yaml|json schema|algorithm|linked list|binary tree|recursion|git|npm|pip|django|react|"
    r"segfault|null pointer|async|query|script|code)\b|代码|函数|编程|报错|调试|正则",
    re.IGNORECASE,
)
MATH = re.compile(
    r"\b(prove|proof|theorem|lemma|integral|derivative|differentiate|integrate|equation|solve for|"
    r"probability|expected value|matrix|eigen\w*|polynomial|prime|modulo|combinatoric\w*|permutations?|"
    r"calculate|compute|how many ways|optimi[sz]e|minimi[sz]e|maximi[sz]e|induction|limit of)\b|"
    r"\\frac|\\sum|\\int|\^\d|\d+\s*[-+*/×÷^]\s*\d+|证明|方程|积分|导数|概率|计算|求解|定理",
    re.IGNORECASE,
)
REASONING = re.compile(
    r"\b(step by step|reason through|think through|trade-?offs?|pros and cons|analy[sz]e|analysis|evaluate|"
    r"critique|compare and contrast|implications?|strategy|strategic|plan for|design an?|architecture|"
    r"root cause|why does|why do|why is|justify|argue|counterargument|puzzle|riddle|logic|deduce|"
    r"in depth|in detail|comprehensive|thorough(ly)?|rigorous(ly)?|nuanced)\b|"
    r"分析|为什么|推理|权衡|利弊|策略|架构|设计一个|详细|深入|逻辑",
    re.IGNORECASE,
)
HARD = re.compile(
    r"\b(prove|proof|rigorous(ly)?|formal(ly)?|distributed|scalab\w+|concurren\w+|consensus|"
    r"multi-step|complex|optimal|np-hard|edge cases|thread-safe|lock-free|derive|"
    r"system design|end-to-end|from first principles|step by step|trade-?offs?)\b|证明|推导|分布式|严格",
    re.IGNORECASE,
)
CREATIVE = re.compile(
    r"\b(poem|poetry|haiku|sonnet|limerick|story|short story|fiction|novel|lyrics|song|rap|slogan|tagline|"
    r"screenplay|script for a|dialogue between|fairy tale|fable|joke|creative|imagine|bedtime|toast|"
    r"write a (?:story|poem|song|scene))\b|诗|故事|小说|歌词|笑话|作文|创作|剧本",
    re.IGNORECASE,
)
SIMPLE = re.compile(
    r"^\s*(hi|hello|hey|thanks|thank you|what is|what's|who is|who was|when (?:is|was|did)|where is|"
    r"define|translate|convert|spell|capital of|how do you say|synonym|antonym|what time|how many)\b|"
    r"^\s*(你好|谢谢|什么是|翻译|谁是)",
    re.IGNORECASE,
)
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass
class Decision:
    """The scorer's verdict: a tier, a task, and the cues that led there (the `reason`)."""

    tier: str
    task: str
    score: int
    cues: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return "; ".join(self.cues) or "short general request"


def _text(content: Any) -> tuple[str, int]:
    if isinstance(content, str):
        return content, 0
    texts, images = [], 0
    for part in content if isinstance(content, list) else []:
        if not isinstance(part, dict):
            continue
        if part.get("type") in ("image_url", "input_image", "image"):
            images += 1
        elif isinstance(part.get("text"), str):
            texts.append(part["text"])
    return "\n".join(texts), images


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return _text(message.get("content"))[0]
    return ""


def _tier_of(score: int) -> str:
    if score >= 5:
        return "strong"
    if score >= 2:
        return "balanced"
    return "fast"


def score_request(messages: list[dict[str, Any]], params: dict[str, Any] | None = None) -> Decision:
    """Score a request's difficulty into a tier and detect its task from plain-text cues."""
    params = params or {}
    last = _last_user_text(messages)
    whole = "\n".join(_text(m.get("content"))[0] for m in messages if isinstance(m, dict))
    images = sum(_text(m.get("content"))[1] for m in messages if isinstance(m, dict))
    turns = sum(1 for m in messages if isinstance(m, dict) and m.get("role") in ("user", "assistant"))
    cues: list[str] = []
    score = 0

    length = len(last)
    cjk_share = len(CJK.findall(last)) / max(1, len(last.strip()))
    # Chinese packs about three times the meaning per character.
    effective = length * 3 if cjk_share > 0.3 else length
    if effective > 1500:
        score += 3
        cues.append(f"long prompt ({length} chars)")
    elif effective > 400:
        score += 2
        cues.append(f"medium prompt ({length} chars)")
    elif effective > 120:
        score += 1
    if len(whole) > 8000:
        score += 1
        cues.append("long conversation context")

    code = bool(CODE_FENCE.search(last) or CODE_SYNTAX.search(last))
    code_words = len(set(w.lower() for w in CODE_WORDS.findall(last)))
    if code or code_words >= 2 or (code_words and re.search(r"\b(write|fix|implement|debug)\b", last, re.I)):
        score += 2
        cues.append("code")
    maths = len(MATH.findall(last))
    if maths:
        score += min(3, 1 + maths)
        cues.append("maths")
    reasoning = len(REASONING.findall(last))
    if reasoning:
        score += min(3, 1 + reasoning)
        cues.append("reasoning cues")
    hard = len(HARD.findall(last))
    if hard:
        score += min(3, 2 * hard)
        cues.append("hard-problem cues")
    creative = bool(CREATIVE.search(last))
    if creative:
        score += 1
        cues.append("creative writing")
    if images:
        score += 2
        cues.append(f"{images} image(s)")
    if params.get("tools") or params.get("functions"):
        score += 1
        cues.append("tools")
    if turns > 6:
        score += 1
        cues.append(f"conversation depth {turns}")
    if SIMPLE.search(last) and length < 120 and not (maths > 1 or reasoning or hard):
        score -= 2
        cues.append("simple question")
    chinese = cjk_share > 0.3
    if chinese:
        cues.append("Chinese")

    if images:
        task = "vision"
    elif code:
        task = "code"
    elif maths and (hard or maths > 1 or reasoning):
        task = "reasoning"
    elif chinese:
        task = "chinese"
    elif creative:
        task = "creative"
    elif code_words >= 2:
        task = "code"
    elif hard and reasoning:
        task = "reasoning"
    else:
        task = "general"
    return Decision(tier=_tier_of(score), task=task, score=score, cues=cues)


def parse_auto_model(model: str) -> tuple[bool, str | None]:
    """("auto", None) for "auto"; ("auto", task) for "auto:<task>"; (False, None) for any other model."""
    if model == "auto":
        return True, None
    if model.startswith("auto:"):
        return True, model.removeprefix("auto:")
    return False, None


def choose_model(
    decision: Decision, tier_models: dict[str, str], task_routes: dict[str, str], *, asked_task: str | None = None
) -> str:
    """An asked-for task ("auto:code") takes its route. Otherwise a fast-tier request goes to the cheap model
    whatever its topic, and a harder one to its task's specialist, else to its tier's model."""
    if asked_task is not None:
        return task_routes.get(asked_task) or tier_models[decision.tier]
    if decision.tier != "fast" and decision.task in task_routes:
        return task_routes[decision.task]
    return tier_models[decision.tier]
