"""Scoring a chat request for `model: "auto"`: which tier of model it needs and which task it is.

Pure functions over the OpenAI messages (no Django, no database), so the offline benchmark in
`bench/router_eval.py` measures exactly the code the gateway runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from llmhub.gateway.tokens import text_and_images

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
    r"`[^`\n]+`|\bdef \w+\(|\bclass \w+[:(]|\bfunction\s*\w*\(|=>|\bimport \w+|#include|\bSELECT\b.+\bFROM\b|"
    r"\bconsole\.log\b|\bprintf?\(|\w+\.\w+\(.*\)|\{\s*\n|;\s*$|\bTraceback\b|\b\w+(Error|Exception)\b|"
    r"\bnull pointer\b",
    re.MULTILINE,
)
CODE_WORDS = re.compile(
    r"\b(python|javascript|typescript|java|golang|go service|rust|c#|kotlin|swift|ruby|php|bash|shell script|sql|"
    r"regex|regular expression|functions?|method|compiler?|bug|debug|stack ?trace|refactor|unit tests?|endpoint|"
    r"dockerfile|kubernetes|yaml|json|algorithm|linked list|binary tree|recursion|git|npm|pip|django|flask|react|"
    r"segfault|async|query|script|code|command|vs ?code|ide|parser|goroutines?|deadlocks?|race condition)\b|"
    r"c\+\+|代码|函数|编程|报错|调试|正则",
    re.IGNORECASE,
)
CODE_VERBS = re.compile(r"\b(write|fix|implement|debug|refactor|convert|add|how do i|how to|explain)\b", re.I)
MATH = re.compile(
    r"\b(prove|proofs?|theorem|lemma|integra\w*|derivatives?|differentiat\w*|equations?|solve for|solutions? of|"
    r"probability|expected (?:value|number)|variance|binomial|matrix|eigen\w*|polynomial|primes?|prime numbers?|"
    r"modulo|combinatoric\w*|permutations?|calculate|calculation|compute|how many ways|optimi[sz]e|minimi[sz]e|"
    r"maximi[sz]e|induction|limit of|compound interest)\b|"
    r"\\frac|\\sum|\\int|\^\d|\b\d*x\s*[-+=]\s*\d|证明|方程|积分|导数|概率|计算|求解|定理|无理数",
    re.IGNORECASE,
)
NUMBER = re.compile(r"\d[\d,.]*")
LOGIC = re.compile(
    r"\b(puzzle|riddle|logic(al)?|deduce|syllogism|argument valid|counterexample|reason through)\b|逻辑|推理",
    re.IGNORECASE,
)
REASONING = re.compile(
    r"\b(step by step|reason through|think through|trade-?offs?|pros and cons|analy[sz]e|analysis|evaluate|"
    r"critique|compare and contrast|implications?|strategy|strategic|design|architecture|root causes?|"
    r"justify|argue|counterarguments?|weighing|risks|in depth|in detail|comprehensive|thorough(ly)?|"
    r"rigorous(ly)?|nuanced|failure modes|prioriti[sz]e)\b|"
    r"分析|为什么|推理|权衡|利弊|优缺点|策略|架构|设计|详细|深入|逻辑",
    re.IGNORECASE,
)
HARD = re.compile(
    r"\b(prove|proofs?|rigorous(ly)?|formal(ly)?|distributed|scalab\w+|concurren\w+|consensus|multi-region|"
    r"multi-step|complex|optimal|np-hard|edge cases|thread-safe|lock-free|memory ordering|deriv\w+|"
    r"system design|end-to-end|from first principles|trade-?offs?|network partitions?|highly available|"
    r"reason through|root causes?|efficiently)\b|证明|推导|分布式|严格|千万级",
    re.IGNORECASE,
)
CREATIVE_LONG = re.compile(
    r"\b(poem|poetry|haiku|sonnet|limerick|story|fiction|novel|lyrics|song|rap|screenplay|dialogue between|"
    r"fairy tale|fable|bedtime|toast|imagine a)\b|诗|故事|小说|歌词|作文|创作|剧本",
    re.IGNORECASE,
)
CREATIVE_SHORT = re.compile(r"\b(joke|slogan|tagline|pun|riddle)\b|笑话|口号", re.IGNORECASE)
GENERATIVE = re.compile(
    r"\b(explain|describe|summari[sz]e|draft|rewrite|write|compare|suggest|outline|give me an? [\w-]+ plan|"
    r"differences? between|how does .+ work|what should i consider|benefits and risks|pros and cons|"
    r"main (?:ideas|causes)|notes from)\b|解释|总结|介绍|帮我写|写一|比较|计划|建议",
    re.IGNORECASE,
)
BRIEF = re.compile(r"\b(in one (?:sentence|word|line)|briefly|one-liner|yes or no)\b|一句话", re.IGNORECASE)
SIMPLE = re.compile(
    r"^\s*(hi|hello|hey|thanks|thank you|ok|good (?:night|morning)|what is|what's|who is|who was|"
    r"when (?:is|was|did)|where is|define|translate|convert|spell|capital of|how do you say|synonym|antonym|"
    r"what time|how many|is an?|name three|give me a synonym)\b|^\s*(你好|谢谢|什么是|翻译|谁是|把)",
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


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return text_and_images(message.get("content"))[0]
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
    whole = "\n".join(text_and_images(m.get("content"))[0] for m in messages if isinstance(m, dict))
    images = sum(text_and_images(m.get("content"))[1] for m in messages if isinstance(m, dict))
    turns = sum(1 for m in messages if isinstance(m, dict) and m.get("role") in ("user", "assistant"))
    cues: list[str] = []
    score = 0

    def add(points: int, cue: str | None) -> None:
        nonlocal score
        score += points
        if cue:
            cues.append(cue)

    length = len(last)
    chinese = len(CJK.findall(last)) / max(1, len(last.strip())) > 0.3
    effective = length * 3 if chinese else length  # Chinese packs about three times the meaning per character
    if effective > 1500:
        add(3, f"long prompt ({length} chars)")
    elif effective > 400:
        add(2, f"medium prompt ({length} chars)")
    elif effective > 120:
        add(1, None)
    if len(whole) > 8000:
        add(1, "long conversation context")
    parts = last.count(",") + last.count(";") + last.count("、") + len(re.findall(r"\band\b", last))
    if parts >= 4:
        add(1 if parts < 6 else 2, "many requirements")

    code_words = {w.lower() for w in CODE_WORDS.findall(last)}
    syntax = bool(CODE_FENCE.search(last) or CODE_SYNTAX.search(last))
    code = syntax or len(code_words) >= 2 or bool(code_words and CODE_VERBS.search(last))
    if code:
        building = bool(CODE_FENCE.search(last)) or bool(
            re.search(r"\b(write|fix|implement|refactor|design)\b", last, re.I)
        )
        add(2 if building else 1, "code")
    maths = len(MATH.findall(last))
    word_problem = len(NUMBER.findall(last)) >= 3 and not code
    if maths or word_problem:
        add(min(4, 2 + maths - 1 + word_problem), "maths")
    logic = bool(LOGIC.search(last))
    reasoning = len(REASONING.findall(last))
    if reasoning:
        add(min(4, 1 + reasoning), "reasoning cues")
    hard = len(HARD.findall(last))
    if hard:
        add(min(4, 2 + hard), "hard-problem cues")
    if CREATIVE_LONG.search(last):
        add(2, "creative writing")
    creative = bool(CREATIVE_LONG.search(last) or CREATIVE_SHORT.search(last))
    generative = bool(GENERATIVE.search(last))
    if generative and not creative and not code:
        add(2, "asks for an explanation or a text")
    if BRIEF.search(last):
        add(-2, "asks for a brief answer")
    if images:
        add(2, f"{images} image(s)")
    if params.get("tools") or params.get("functions"):
        add(1, "tools")
    if turns > 6:
        add(2, f"conversation depth {turns}")
    if (
        SIMPLE.search(last)
        and length < 120
        and not (images or maths or reasoning or hard or generative or CREATIVE_LONG.search(last) or syntax)
    ):
        add(-2, "simple question")
    if chinese:
        cues.append("Chinese")

    if images:
        task = "vision"
    elif code:
        task = "code"
    elif maths or logic or word_problem:
        task = "reasoning"
    elif chinese:
        task = "chinese"
    elif creative:
        task = "creative"
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
