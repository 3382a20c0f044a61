"""`python run_bot.py ask` and `kb reindex`, run as a shop owner would: in a process of
their own, on the test database, with a policy folder of the shop's own.  What `ask`
says for other messages (a flow's action, slots, unsure words, an unknown buyer) is the
same code in this process: tests/unit/test_cli.py."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

POLICY = """# Deliveries
## Pigeon post
Every parcel travels by carrier pigeon and lands within 3 days; a pigeon that is late
by more than a week is replaced free of charge.
## Opening hours
Our loft opens from 7 to 9 in the morning, every day except Sunday.
"""


async def run(tmp_path: Path, database_url: str, *args: str) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "KNOWLEDGE_DIR": str(tmp_path / "kb"),
        "KNOWLEDGE_INDEX": str(tmp_path / "index.json"),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("LLM_MODEL", None)
    done = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "run_bot.py"),
        *args,
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(done.communicate(), timeout=120)
    assert done.returncode is not None
    return done.returncode, out.decode(), err.decode()


# Trained weights in place: training at first use is this file's last test's business.
@pytest.mark.usefixtures("model_in_tmp_path")
async def test_reindex_then_ask_answers_from_the_shops_own_policies(
    tmp_path: Path, database_url: str
) -> None:
    (tmp_path / "kb" / "default").mkdir(parents=True)
    (tmp_path / "kb" / "default" / "deliveries.md").write_text(POLICY)

    code, out, err = await run(tmp_path, database_url, "kb", "reindex")
    assert code == 0, err
    assert "indexed 2 sections of 1 shop folder from" in out
    assert (tmp_path / "index.json").is_file()

    code, out, err = await run(
        tmp_path, database_url, "ask", "how long does the pigeon take to deliver?", "--json"
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["intent"] == "delivery_time" and result["action"] == "answer"
    assert result["sure"] is True and 0.75 <= result["probability"] <= 1
    assert result["sources"] == [
        {"id": "deliveries.md#pigeon-post", "title": "Deliveries › Pigeon post"}
    ]
    assert "within 3 days" in result["answer"] and result["engine"] == "offline"


async def test_ask_prints_the_models_intent_probability_and_slots(
    tmp_path: Path, database_url: str
) -> None:
    (tmp_path / "kb" / "default").mkdir(parents=True)
    (tmp_path / "kb" / "default" / "deliveries.md").write_text(POLICY)
    question = "I expect a reimbursement of $350 for order 00004587345"

    # --json: stdout is only the JSON document, even with INFO logs (they go to stderr).
    done = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "run_bot.py"),
        "ask",
        question,
        "--json",
        cwd=tmp_path,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "KNOWLEDGE_DIR": str(tmp_path / "kb"),
            "KNOWLEDGE_INDEX": str(tmp_path / "index.json"),
            "LOG_LEVEL": "INFO",
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(done.communicate(), timeout=120)
    assert done.returncode == 0, err
    understood = json.loads(out.decode())["understanding"]
    assert understood["slots"] == {
        "order_number": "00004587345",
        "amount": "350",
        "currency": "USD",
    }
    assert 0 < understood["probability"] <= 1 and len(understood["alternatives"]) == 2
    assert b"intent model trained" in err  # first use: trained from the corpus, logged
    assert (tmp_path / "understanding-model.json").is_file()  # cached next to the index

    # The next process loads the cached weights instead of training (and writing) again.
    cached = (tmp_path / "understanding-model.json").stat()
    code, out_text, err_text = await run(tmp_path, database_url, "ask", "because")
    assert code == 0, err_text
    assert "model:" in out_text and "unsure" in out_text
    again = (tmp_path / "understanding-model.json").stat()
    assert (again.st_ino, again.st_mtime_ns) == (cached.st_ino, cached.st_mtime_ns)
