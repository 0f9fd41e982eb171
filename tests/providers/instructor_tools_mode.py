"""Run with .venv-clients' python (instructor's pins conflict with the dev venv): instructor in TOOLS mode
against the hub, printing the validated object and the completion's usage as one JSON line.

Usage: instructor_tools_mode.py BASE_URL API_KEY MODEL
"""

from __future__ import annotations

import json
import sys

import instructor
from openai import OpenAI
from pydantic import BaseModel


class Person(BaseModel):
    name: str
    age: int
    tags: list[str]


def main(base_url: str, api_key: str, model: str) -> None:
    client = instructor.from_openai(
        OpenAI(base_url=base_url, api_key=api_key, max_retries=0), mode=instructor.Mode.TOOLS
    )
    # max_retries=0: one attempt (instructor 1.17 makes max_retries + 1), so an answer that fails validation
    # fails the run instead of being retried with the error fed back.
    person, completion = client.chat.completions.create_with_completion(
        model=model,
        response_model=Person,
        messages=[{"role": "user", "content": "Alice is 30"}],
        max_retries=0,
    )
    report = {
        "class": type(person).__name__,
        "person": person.model_dump(),
        "id": completion.id,
        "usage": completion.usage.model_dump() if completion.usage else None,
        "instructor": instructor.__version__,
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main(*sys.argv[1:4])
